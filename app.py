"""The explorer from a source checkout: ``streamlit run app.py -- --store PATH`` (the app is ``explorer/app.py``)."""

from explorer.app import main

main()
