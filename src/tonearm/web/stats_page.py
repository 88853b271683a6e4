"""HTML of the dashboard's Statistics view (`/dashboard/stats`); the behaviour is pages/stats.js."""

from __future__ import annotations

from tonearm.web.pages import V, document, signin_section


def stats_page() -> str:
    body = """<header class="bar"><a class="brand" href="/dashboard"><span class="logo" aria-hidden="true"></span>Tonearm</a>
<nav aria-label="Dashboard views"><a href="/dashboard">Collections</a> · <a href="/dashboard/stats" aria-current="page">Statistics</a></nav>
<button id="signout" class="ghost" hidden>Sign out</button></header>
<main class="dash" id="app">
""" + signin_section("Open statistics") + """<div id="workspace" hidden>
  <h1>Statistics</h1>
  <form id="filters" class="panel inline filters">
    <div><label for="f-col">Collection</label><select id="f-col"><option value="">All collections</option></select></div>
    <div><label for="f-track">Track</label><select id="f-track"><option value="">All tracks</option></select></div>
    <div><label for="f-from">From</label><input id="f-from" type="date" required></div>
    <div><label for="f-to">To</label><input id="f-to" type="date" required></div>
    <div><label for="f-interval">Interval</label><select id="f-interval">
      <option value="hour">Hour</option><option value="day" selected>Day</option><option value="month">Month</option></select></div>
    <button type="submit" class="primary">Show</button>
    <button type="button" id="csv">Download CSV</button>
  </form>
  <p class="msg" id="statsmsg" role="status"></p>
  <section class="totals" id="totals" aria-label="Totals"></section>
  <figure class="panel chart"><figcaption><h2>Over time</h2>
    <span class="muted">Plays, unique listeners (summed per hour) and IAB downloads, UTC.</span></figcaption>
    <div id="series-chart"></div></figure>
  <figure class="panel chart"><figcaption><h2 id="toph">Top tracks</h2>
    <span class="muted">Plays and downloads in the period.</span></figcaption>
    <div id="top-chart"></div>
    <table class="tracks" aria-labelledby="toph"><thead><tr><th scope="col">#</th><th scope="col">Track</th>
    <th scope="col">Plays</th><th scope="col">Downloads</th><th scope="col">Listeners</th><th scope="col">Completion</th></tr></thead>
    <tbody id="top"></tbody></table></figure>
</div>
</main>"""
    head = f'<link rel="stylesheet" href="/static/vendor/uplot/uPlot.min.css{V}">\n'
    return document("Statistics · Tonearm", body, head=head, body_class="app", scripts=("pages/stats.js",))
