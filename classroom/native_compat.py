"""NativeAuthenticator 1.3.0 (the newest) on JupyterHub 6: two small gaps, filled here.

- Its login handler times the login with self.statsd, which JupyterHub 6 removed
  (AttributeError, a 500 on every login): a no-op timer stands in.
- JupyterHub 6 renders a failed form submission's error page through the login
  handler's _render(..., sync=True); NativeAuthenticator's _render takes no such
  argument: this one accepts it and renders its own login page either way.

Everything else is NativeAuthenticator's own (its pages, its users_info table).
"""
from jupyterhub.handlers.base import BaseHandler
from nativeauthenticator import NativeAuthenticator
from nativeauthenticator import handlers as native


class _NoTimer:
    def start(self):
        return self

    def stop(self, send=True):
        return self


class _NoStatsd:
    def timer(self, *args, **kwargs):
        return _NoTimer()

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


class LoginHandler(native.LoginHandler):
    statsd = _NoStatsd()

    def _render(self, login_error=None, username=None, sync=False, **kwargs):
        if not sync:
            return super()._render(login_error=login_error, username=username)
        return BaseHandler.render_template(
            self,
            "native-login.html",
            sync=True,
            next=native.url_escape(self.get_argument("next", default="")),
            username=username,
            login_error=login_error,
            custom_html=self.authenticator.custom_html,
            login_url=self.settings["login_url"],
            enable_signup=self.authenticator.enable_signup,
            two_factor_auth=self.authenticator.allow_2fa,
            authenticator_login_url=native.url_concat(
                self.authenticator.login_url(self.hub.base_url), {"next": self.get_argument("next", "")}
            ),
        )


class ClassAuthenticator(NativeAuthenticator):
    """NativeAuthenticator with the login handler above."""

    def get_handlers(self, app):
        return [(path, LoginHandler if h is native.LoginHandler else h) for path, h in super().get_handlers(app)]
