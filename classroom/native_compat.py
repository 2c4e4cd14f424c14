"""NativeAuthenticator 1.3.0 (the newest) on JupyterHub 6: two small gaps, filled here.

- Its login handler times the login with self.statsd, which JupyterHub 6 removed
  (AttributeError, a 500 on every login): a no-op timer stands in.
- JupyterHub 6 renders a failed form submission's error page through the login
  handler's _render(..., sync=True); NativeAuthenticator's _render takes no such
  argument: this one accepts it and renders its own login page either way.

And one rule of the classroom's: a sign-up named like an existing account of the server
that is not a class account (root, daemon, postgres, the relay's user, ...) is refused at
sign-up, with a message that says why (accounts.unix_name_free): no server ever runs as one.

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


class SignUpHandler(native.SignUpHandler):
    """NativeAuthenticator's sign-up page, which says why a server account's name is refused."""

    def get_result_message(self, user, *args):
        name = self.authenticator.normalize_username(self.get_body_argument("username", "", strip=False))
        if user is None and self.authenticator.server_account(name):
            return "alert-danger", (
                f"The user name {name!r} belongs to an account of this server, not to the class. "
                "Choose another user name (for example your first name and the first letter of your last name)."
            )
        return super().get_result_message(user, *args)


class ClassAuthenticator(NativeAuthenticator):
    """NativeAuthenticator with the login and sign-up handlers above, which refuses the
    names of the server's own accounts."""

    HANDLERS = {native.LoginHandler: LoginHandler, native.SignUpHandler: SignUpHandler}

    def server_account(self, name):
        """Whether name is an existing account of the server that is not a class account."""
        from accounts import unix_name_free  # the hub's config puts classroom/ on sys.path

        return bool(name) and not unix_name_free(name)

    def create_user(self, username, password, **kwargs):
        if self.server_account(self.normalize_username(username)):
            self.log.warning("Sign-up refused: %r is an account of this server, not a class account", username)
            return None
        return super().create_user(username, password, **kwargs)

    def get_handlers(self, app):
        return [(path, self.HANDLERS.get(h, h)) for path, h in super().get_handlers(app)]
