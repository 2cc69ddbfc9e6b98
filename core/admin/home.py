"""The admin's home page."""

from flask import current_app
from flask_appbuilder import IndexView, expose


class HomeView(IndexView):
    """Show the utility's name and a way in."""

    index_template = "sanea/home.html"

    @expose("/")
    def index(self):
        profile = current_app.extensions["sanea.profile"]
        return self.render_template(self.index_template, profile=profile)
