"""NCBI PubMed: E-utilities client and calls, PubMed XML parser, citation refresh, bulk XML source."""
