"""The Streamlit explorer over the cohort-kg store: page scripts in ``explorer/pages``, helpers beside them.

The pages read only through the query catalog (``kg/queries/*.rq``) and ``kg.store``: the app keeps no
copy of the graph of its own beyond Streamlit's caches.
"""
