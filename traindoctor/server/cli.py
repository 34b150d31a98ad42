"""The ``serve`` command, registered into the main CLI by :func:`register`."""
from __future__ import annotations

import ipaddress
import os
from typing import Optional

import typer


def is_local(host: str) -> bool:
    """Whether ``host`` is a loopback address or name: only those are served without a token."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(logdir: str = "tdruns", host: str = "127.0.0.1", port: int = 6007, token: Optional[str] = None,
          open_browser: bool = False) -> None:
    """Serve the dashboard over ``logdir`` until interrupted."""
    import uvicorn

    from .app import LOCAL_HOSTS, create_app

    if not is_local(host) and not token:
        raise ValueError(f"--host {host} would expose the dashboard beyond this machine: "
                         "pass --token SECRET as well (every request must then carry it)")
    if not os.path.isdir(logdir):
        raise ValueError(f"{logdir}: no such directory")
    allowed = LOCAL_HOSTS + ((host,) if is_local(host) and host not in LOCAL_HOSTS else ())
    app = create_app(logdir, token=token, allowed_hosts=allowed)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    typer.echo(f"traindoctor: serving {os.path.abspath(logdir)} at {url}", err=True)
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve_command(
        logdir: str = typer.Argument("tdruns", metavar="[LOGDIR]", help="the directory holding the runs"),
        host: str = typer.Option("127.0.0.1", "--host", help="address to bind (non-local ones need --token)"),
        port: int = typer.Option(6007, "--port"),
        token: Optional[str] = typer.Option(None, "--token", help="a secret every request must carry"),
        open_browser: bool = typer.Option(False, "--open", help="open the dashboard in a browser"),
    ) -> None:
        """The web dashboard: runs, scalars, distributions, activations, graph, data, checklist."""
        try:
            serve(logdir, host, port, token, open_browser)
        except ValueError as exc:
            typer.echo(f"traindoctor: {exc}", err=True)
            raise typer.Exit(2)
