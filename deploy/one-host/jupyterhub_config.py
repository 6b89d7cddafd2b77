# JupyterHub on one host (The Littlest JupyterHub style: hub, proxy and one local process per
# user on the same machine), for a class with the chainlab kernel. Install first, as root:
#   python3 -m venv /opt/chainlab && deploy/install.sh --python /opt/chainlab/bin/python --node-root /home --hub
# then run `/opt/chainlab/bin/jupyterhub -f deploy/one-host/jupyterhub_config.py` from /srv/jupyterhub
# (a systemd unit in deploy/README.md). Every "INSTRUCTOR:" line is a value you must set.
import os

c = get_config()  # noqa: F821

PREFIX = "/opt/chainlab"  # the --python environment given to deploy/install.sh

# --- Network and HTTPS ---------------------------------------------------------------------
# INSTRUCTOR: serve HTTPS. Either terminate TLS here (certificate for your domain, e.g. from
# Let's Encrypt's certbot) or put the hub behind a reverse proxy that does and keep port 8000 local.
c.JupyterHub.bind_url = "https://0.0.0.0:443"
c.JupyterHub.ssl_cert = "/etc/letsencrypt/live/HUB.EXAMPLE.EDU/fullchain.pem"  # INSTRUCTOR
c.JupyterHub.ssl_key = "/etc/letsencrypt/live/HUB.EXAMPLE.EDU/privkey.pem"  # INSTRUCTOR
c.ConfigurableHTTPProxy.command = [f"{PREFIX}/bin/configurable-http-proxy"]
c.JupyterHub.db_url = "sqlite:////srv/jupyterhub/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "/srv/jupyterhub/jupyterhub_cookie_secret"

# --- Who may log in ------------------------------------------------------------------------
# A real authenticator: PAM checks the host's own accounts (students get Unix accounts, created
# by the hub on first login below). For campus single sign-on use oauthenticator instead
# (pip install oauthenticator; e.g. GenericOAuthenticator against your identity provider).
c.JupyterHub.authenticator_class = "pam"
c.LocalAuthenticator.create_system_users = True
c.Authenticator.admin_users = {"INSTRUCTOR_LOGIN"}  # INSTRUCTOR: your login(s)
c.Authenticator.allowed_users = set()  # INSTRUCTOR: the class list (or use allowed groups)

# --- One process per user, each as its own Unix user ---------------------------------------
# LocalProcessSpawner runs each server as that user, so users cannot read each other's files or
# signal each other's kernels (the test suite, run as one OS user, uses SimpleLocalProcessSpawner
# and relies on the hub's token checks alone). Homes are /home/<user>: chainlab resolves from
# /home/node_modules, which deploy/install.sh --node-root /home created.
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [f"{PREFIX}/bin/jupyterhub-singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.environment = {"PATH": f"{PREFIX}/bin:/usr/local/bin:/usr/bin:/bin"}
# A first TypeScript compile takes seconds; 30 users starting at 9:00 queue on the CPUs.
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

# INSTRUCTOR: memory. Measured per user (test/deploy/test_hub.py, see deploy/README.md):
# a server ~155 MB plus a chainlab kernel ~180 MB after a first cell, growing with training.
# Plan 500 MB of RAM per active user. LocalProcessSpawner cannot enforce a limit; for a hard
# limit use systemdspawner (what TLJH does):
#   pip install jupyterhub-systemdspawner
#   c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
#   c.SystemdSpawner.mem_limit = "1G"; c.SystemdSpawner.cpu_limit = 1.0
#   c.SystemdSpawner.dynamic_users = True   # no Unix accounts needed

# --- Idle culling: stop servers (and their kernels) nobody uses ------------------------------
c.JupyterHub.load_roles = [{
    "name": "jupyterhub-idle-culler-role",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["jupyterhub-idle-culler-service"],
}]
c.JupyterHub.services = [{
    "name": "jupyterhub-idle-culler-service",
    # INSTRUCTOR: 3600 s idle stops a server; raise it for long exams.
    "command": [f"{PREFIX}/bin/python", "-m", "jupyterhub_idle_culler", "--timeout=3600"],
}]
# Kernels idle for 30 min are shut down inside a running server too.
c.Spawner.args = ["--MappingKernelManager.cull_idle_timeout=1800", "--MappingKernelManager.cull_interval=300"]
