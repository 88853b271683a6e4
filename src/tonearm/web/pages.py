"""HTML of Tonearm's pages: small string templates around the web components (no template engine)."""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from tonearm import __version__

V = f"?v={__version__}"


def attrs(values: dict[str, object]) -> str:
    out = []
    for name, value in values.items():
        if value is None or value is False:
            continue
        out.append(name if value is True else f'{name}="{escape(str(value), quote=True)}"')
    return " ".join(out)


def document(title: str, body: str, *, head: str = "", body_class: str = "", scripts: tuple[str, ...] = ()) -> str:
    tags = "".join(f'<script type="module" src="/static/{s}{V}"></script>' for s in scripts)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="stylesheet" href="/static/pages/pages.css{V}">
{head}{tags}
</head>
<body class="{escape(body_class)}">
{body}
</body>
</html>"""


def oembed_link(public_url: str, page_url: str, title: str) -> str:
    href = f"{public_url}/oembed?url={quote(page_url, safe='')}&format=json"
    return (f'<link rel="alternate" type="application/json+oembed" href="{escape(href)}" '
            f'title="{escape(title)}">\n')


def embed_page(*, title: str, player: dict[str, object], public_url: str, page_url: str) -> str:
    body = f"<main><h1 class=\"sr-only\">{escape(title)}</h1><tonearm-player {attrs(player)}></tonearm-player></main>"
    return document(title, body, head=oembed_link(public_url, page_url, title), body_class="embed",
                    scripts=("components/player.js",))


def error_page(status: int, message: str) -> str:
    body = f"""<main class="narrow"><div class="panel error-page" role="alert">
<h1>{status}</h1><p>{escape(message)}</p></div></main>"""
    return document(f"{status} · Tonearm", body, body_class="plain")


def signin_section(button: str) -> str:
    """The dashboard views' sign-in panel (an API Access key kept in sessionStorage)."""
    return f"""<section class="panel narrow" id="signin">
  <h1>Sign in</h1>
  <p class="muted">Enter an API Access key. It stays in this tab only (sessionStorage).</p>
  <form id="keyform"><label for="key">API key</label>
  <input id="key" name="key" type="password" autocomplete="off" required placeholder="tnm_…">
  <button type="submit" class="primary">{escape(button)}</button>
  <p class="msg" id="keymsg" role="status"></p></form>
</section>
"""


def dashboard_page() -> str:
    body = """<header class="bar"><a class="brand" href="/dashboard"><span class="logo" aria-hidden="true"></span>Tonearm</a>
<span class="muted" id="org"></span><a href="/dashboard/stats">Statistics</a><button id="signout" class="ghost" hidden>Sign out</button></header>
<main class="dash" id="app">
""" + signin_section("Open dashboard") + """<div class="cols" id="workspace" hidden>
  <nav class="panel side" aria-labelledby="colh">
    <h2 id="colh">Collections</h2>
    <ul id="collections" class="nav-list"></ul>
    <form id="newcol" class="inline"><label for="coltitle" class="sr-only">New collection title</label>
    <input id="coltitle" placeholder="New collection" required><button class="primary" type="submit">Add</button></form>
  </nav>
  <section class="content" aria-live="polite">
    <div class="panel"><h1 id="coltitle-h">Collection</h1>
      <table class="tracks"><caption class="sr-only">Tracks</caption>
      <thead><tr><th scope="col">Title</th><th scope="col">Status</th><th scope="col">Length</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody id="tracks"></tbody></table>
      <div id="preview"></div>
    </div>
    <div class="panel"><h2>Upload</h2><div id="uploader-slot"></div></div>
    <div class="panel"><h2>Keys and embeds</h2>
      <form id="keyform2" class="inline">
        <label for="ktype">Key type</label>
        <select id="ktype"><option value="player">Player (this collection)</option>
        <option value="uploader">Uploader (this collection)</option><option value="share">Share (selected track)</option></select>
        <button class="primary" type="submit">Create key</button></form>
      <div id="keys"></div>
    </div>
    <div class="panel"><h2 id="hooksh">Webhook deliveries</h2>
      <p class="muted">The latest events sent to the organization's webhook URLs. A redelivery keeps the
      delivery id (<code>X-Tonearm-Delivery</code>), so receivers can drop duplicates.</p>
      <table class="tracks hooks" aria-labelledby="hooksh">
      <thead><tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempts</th>
      <th scope="col">Last error</th><th scope="col">Last attempt</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody id="deliveries"></tbody></table>
      <button id="hooks-refresh" type="button">Refresh deliveries</button>
      <p class="msg" id="hooksmsg" role="status"></p>
    </div>
  </section>
</div>
</main>"""
    return document("Dashboard · Tonearm", body, body_class="app",
                    scripts=("components/player.js", "components/uploader.js", "pages/dashboard.js"))
