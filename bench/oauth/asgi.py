"""The app for ``uvicorn --workers N`` (settings from the environment, as ``shudu serve``)."""

from api.app import create_app
from core.settings import load_settings

app = create_app(load_settings())
