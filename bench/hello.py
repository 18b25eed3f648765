"""The bare Flask "hello" the load benchmark compares the portal with."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
