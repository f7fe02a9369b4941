"""The endpoint's HTML query page: a query box and the catalog queries as examples.

No scripts and nothing fetched from elsewhere: the form sends a GET to
``/sparql`` and the browser shows the answer in the chosen format; an example
link reloads the page with that query in the box. Every piece of text that
reaches the page is HTML-escaped.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from kg.queries import catalog

DEFAULT_QUERY = """SELECT ?class (COUNT(DISTINCT ?item) AS ?items)
WHERE { ?item a ?class }
GROUP BY ?class
ORDER BY DESC(?items)
LIMIT 20"""

STYLE = """body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
textarea{width:100%;font-family:monospace;font-size:0.9rem}
li{margin:0.3rem 0} small{color:#555} code{background:#f3f3f3}"""

FORMAT_CHOICES = (("json", "SPARQL JSON"), ("xml", "SPARQL XML"), ("csv", "CSV"), ("tsv", "TSV"),
                  ("turtle", "Turtle (CONSTRUCT/DESCRIBE)"), ("nt", "N-Triples (CONSTRUCT/DESCRIBE)"),
                  ("jsonld", "JSON-LD (CONSTRUCT/DESCRIBE)"))


def render_page(example: str | None, *, timeout: float, max_rows: int) -> str:
    """The whole page, with the named example (if it exists) in the query box."""
    queries = catalog()
    text = queries[example].text if example in queries else DEFAULT_QUERY
    options = "".join(f'<option value="{escape(value)}">{escape(label)}</option>' for value, label in FORMAT_CHOICES)
    examples = "".join(
        f'<li><a href="/?example={quote(name)}">{escape(name)}</a>: {escape(query.title)}'
        + (f"<br><small>{escape(query.description)}</small>" if query.description else "")
        + "</li>"
        for name, query in queries.items()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cohort-kg SPARQL endpoint</title>
<style>{STYLE}</style></head>
<body>
<h1>cohort-kg SPARQL endpoint</h1>
<p>SPARQL 1.1 queries at <code>/sparql</code> (GET or POST). Read-only; unless the query names a
dataset (<code>FROM</code>), the default graph is the union of all named graphs; the cohort-kg prefixes
(<code>ckg:</code>, <code>concept:</code>, <code>cito:</code>, <code>fabio:</code>, <code>skos:</code>, ...)
need no declaration. Time limit {timeout:g} s, at most {max_rows} rows per answer.</p>
<form method="get" action="/sparql">
<textarea name="query" rows="18" spellcheck="false">{escape(text)}</textarea>
<p><label>Result format <select name="format">{options}</select></label>
<button type="submit">Run query</button></p>
</form>
<h2>Catalog queries</h2>
<p><small>Parameters keep their defaults here; bind others with a <code>VALUES</code> block, or use
<code>kg query NAME --param name=value</code>.</small></p>
<ul>{examples}</ul>
</body></html>
"""
