"""chainlab_jupyterlab: the prebuilt JupyterLab extension of chainlab (graph diagrams, gradient
heatmaps, chain-rule expansions). Python only carries the built labextension folder; the
TypeScript sources live in extension/ and style/ and are built by scripts/setup.d/30-extension.sh."""

__version__ = "0.1.0"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "chainlab-jupyterlab"}]
