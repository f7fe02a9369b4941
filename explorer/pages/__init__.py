"""Page scripts run by ``st.navigation`` (each renders itself when run; not meant to be imported)."""
