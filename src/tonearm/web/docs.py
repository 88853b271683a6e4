"""/docs/components: each web component with its attributes, events and a live example."""

from __future__ import annotations

from html import escape

from tonearm.web.pages import document

COMPONENTS = [
    ("tonearm-player", "player", "Plays a play session: a collection, a track or a playlist. Drop-in for "
     "<code>&lt;audiodn-player&gt;</code>.", [
        ("api-url", "API base URL (default: the server that served the script)"),
        ("api-key", "a player key; with <code>scope</code> and <code>id</code> the player opens its own sessions"),
        ("scope", "<code>collection</code> | <code>track</code> | <code>playlist</code>"),
        ("id", "id of the collection, track or playlist"),
        ("play-session-id", "a session your server created (instead of api-key)"),
        ("session-url", "Tonearm: a URL answering a fresh play session, used to renew it"),
        ("variants", "e.g. <code>hq,lq</code> — offered in the quality menu"),
        ("size", "<code>small</code> | <code>regular</code> | <code>large</code>"),
        ("theme", "<code>auto</code> | <code>light</code> | <code>dark</code>"),
        ("volume", "0–1"), ("autoplay", "start playing when loaded"),
        ("downloadable", "ask for a downloadable session; <code>false</code> hides the button"),
        ("session-ttl", "seconds for sessions the player opens (renewed 30 s before expiry)"),
        ("waveform-color, waveform-progress-color, bar-width, bar-gap", "waveform styling"),
     ], "session, track-change, quality-change, session-refreshed, player-error, ended"),
    ("tonearm-uploader", "uploader", "Drag-and-drop or pick audio files; uploads in parallel, then follows "
     "processing until each track is ready. Drop-in for <code>&lt;audiodn-uploader&gt;</code>.", [
        ("api-url", "API base URL"), ("api-key", "an uploader key (opens an upload session)"),
        ("collection-id", "the collection to upload into"),
        ("upload-session-id", "a session your server created (instead of api-key)"),
        ("accent-color", "CSS colour of the drop zone and progress"), ("limit", "maximum number of files"),
        ("disabled", "refuse new files"), ("theme", "<code>auto</code> | <code>light</code> | <code>dark</code>"),
        ("resumable-threshold", "bytes from which files go through tus, resumable (default 8 MiB; 0: never)"),
        ("tus-src", "where to load tus-js-client from (default: the server's /static/vendor/)"),
     ], "files-selected, file-progress, file-uploaded, track-ready, session-error, file-resumed"),
    ("tonearm-recorder", "recorder", "Records from the microphone (MediaRecorder, WebM/Opus), plays the take "
     "back and uploads it through an upload session.", [
        ("api-url", "API base URL"), ("api-key", "an uploader key"), ("collection-id", "target collection"),
        ("upload-session-id", "instead of api-key"), ("disabled", "no recording"),
        ("theme", "<code>auto</code> | <code>light</code> | <code>dark</code>"),
     ], "recording-started, recording-stopped, file-uploaded, track-ready, session-error, recorder-error"),
    ("tonearm-waveform", "waveform", "Bars from 0–1 <code>levels</code> (the <code>levels</code> property or a "
     "JSON attribute), crisp on HiDPI screens, redrawn on resize; click, drag or use the arrow keys to seek.", [
        ("levels", "array of 0–1 values (property) or JSON (attribute)"),
        ("progress", "current time in seconds (a 0–1 fraction without duration)"), ("duration", "seconds"),
        ("color, progress-color, region-color", "colours (or CSS variables --tonearm-waveform-color…)"),
        ("bar-width, bar-gap", "pixels"), ("region-start, region-end", "a highlighted span in seconds"),
     ], "seek (detail: time, fraction), scrub while dragging"),
]

SNIPPETS = {
    "player": '<tonearm-player api-key="PLAYER_KEY" scope="collection" id="COLLECTION_ID" variants="hq,lq"></tonearm-player>',
    "uploader": '<tonearm-uploader api-key="UPLOADER_KEY" collection-id="COLLECTION_ID"></tonearm-uploader>',
    "recorder": '<tonearm-recorder api-key="UPLOADER_KEY" collection-id="COLLECTION_ID"></tonearm-recorder>',
    "waveform": '<tonearm-waveform duration="180" progress="60" color="#c4c9d4" progress-color="#2f5fd0"></tonearm-waveform>',
}

DEMOS = {
    "player": """<form class="inline demo-form" data-make="player"><label for="d-sid">Play session id</label>
<input id="d-sid" name="play-session-id" placeholder="from tonearm play or POST /v1/play_session" required>
<button class="primary">Show player</button></form>""",
    "uploader": """<form class="inline demo-form" data-make="uploader"><label for="d-ukey">Uploader key</label>
<input id="d-ukey" name="api-key" required><label for="d-ucol">Collection id</label><input id="d-ucol" name="collection-id" required>
<button class="primary">Show uploader</button></form>""",
    "recorder": """<form class="inline demo-form" data-make="recorder"><label for="d-rkey">Uploader key</label>
<input id="d-rkey" name="api-key" required><label for="d-rcol">Collection id</label><input id="d-rcol" name="collection-id" required>
<button class="primary">Show recorder</button></form>""",
    "waveform": """<tonearm-waveform id="demo-wave" duration="180" progress="60"></tonearm-waveform>
<p class="muted" id="demo-wave-out" role="status">Click the waveform to seek.</p>""",
}

SCRIPT = """<script type="module">
const levels = Array.from({length: 320}, (_, i) => Math.abs(Math.sin(i / 9)) * (0.35 + 0.65 * Math.abs(Math.sin(i / 41))));
const wave = document.getElementById('demo-wave');
wave.levels = levels;
wave.addEventListener('seek', (e) => { wave.progress = e.detail.time;
  document.getElementById('demo-wave-out').textContent = `seek → ${e.detail.time.toFixed(1)} s`; });
for (const form of document.querySelectorAll('.demo-form')) form.addEventListener('submit', (e) => {
  e.preventDefault();
  const el = document.createElement('tonearm-' + form.dataset.make);
  for (const input of form.querySelectorAll('input')) el.setAttribute(input.name, input.value.trim());
  const slot = form.nextElementSibling; slot.replaceChildren(el);
});
</script>"""


def components_page() -> str:
    sections = []
    toc = []
    for tag, name, about, attributes, events in COMPONENTS:
        toc.append(f'<li><a href="#{name}"><code>&lt;{tag}&gt;</code></a></li>')
        rows = "".join(f"<tr><th scope=\"row\"><code>{escape(a)}</code></th><td>{d}</td></tr>" for a, d in attributes)
        sections.append(f"""<section class="panel" id="{name}" aria-labelledby="h-{name}">
<h2 id="h-{name}"><code>&lt;{tag}&gt;</code></h2><p>{about}</p>
<pre>&lt;script type="module" src="/static/components/{name}.js"&gt;&lt;/script&gt;
{escape(SNIPPETS[name])}</pre>
<table><caption class="sr-only">Attributes of {tag}</caption><thead><tr><th scope="col">Attribute</th>
<th scope="col">Meaning</th></tr></thead><tbody>{rows}</tbody></table>
<p><strong>Events:</strong> {escape(events)}</p>
<h3>Live example</h3><div class="demo">{DEMOS[name]}<div class="slot"></div></div></section>""")
    body = f"""<header class="bar"><a class="brand" href="/docs/components"><span class="logo" aria-hidden="true"></span>Tonearm components</a>
<a href="/docs">API docs</a></header><main class="docs">
<p>Plain custom elements served by this server as ES modules — no build step, no framework. Attribute names use
hyphens, the JSON API underscores; the elements accept the attributes of AudioDN's components.</p>
<nav aria-label="Components"><ul>{''.join(toc)}</ul></nav>{''.join(sections)}</main>{SCRIPT}"""
    return document("Web components · Tonearm", body, body_class="app",
                    scripts=tuple(f"components/{n}.js" for _t, n, *_ in COMPONENTS))
