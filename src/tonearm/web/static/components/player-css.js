// Styles of <tonearm-player> (kept apart from its logic); the theme tokens come from base.js.
export const PLAYER_CSS = `
:host{container-type:inline-size;outline:none}
:host(:focus-visible) .card{box-shadow:0 0 0 2px var(--accent)}
.card{background:var(--bg);border:1px solid var(--line);border-radius:14px;padding:14px;display:grid;
grid-template-columns:auto 1fr;gap:14px;align-items:center;box-shadow:0 1px 2px rgba(16,24,40,.06)}
.cover{width:88px;height:88px;border-radius:10px;object-fit:cover;background:var(--soft);display:block}
.cover.none{background:linear-gradient(135deg,var(--accent),var(--soft))}
:host([size=large]) .card{grid-template-columns:1fr}
:host([size=large]) .cover{width:100%;height:auto;aspect-ratio:1;max-height:420px;border-radius:12px}
:host([size=small]) .card{padding:8px 10px;grid-template-columns:1fr;gap:6px}
:host([size=small]) .cover,:host([size=small]) .subtitle{display:none}
.main{min-width:0;display:grid;gap:8px}
.head{display:flex;align-items:center;gap:10px;min-width:0}
.titles{flex:1;min-width:0}
.title{font-weight:600;font-size:15px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.subtitle{color:var(--muted);font-size:13px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
button{font:inherit;color:inherit;background:none;border:0;border-radius:8px;cursor:pointer;padding:6px;
display:inline-flex;align-items:center;justify-content:center;gap:4px;min-width:32px;min-height:32px}
button:hover{background:var(--soft)}
button:focus-visible{outline:2px solid var(--accent);outline-offset:1px}
button[disabled]{opacity:.4;cursor:default}
.play{width:44px;height:44px;border-radius:50%;background:var(--accent);color:var(--on-accent);flex:none}
.play:hover{background:var(--accent);filter:brightness(1.08)}
.tools{display:flex;align-items:center;gap:2px;position:relative}
.qbtn{font-size:12px;font-weight:600;border:1px solid var(--line);padding:4px 8px;text-transform:uppercase}
.norm[aria-pressed=true]{color:var(--accent)}
.menu{position:absolute;right:0;top:100%;z-index:5;margin:4px 0 0;padding:4px;list-style:none;min-width:270px;
background:var(--bg);border:1px solid var(--line);border-radius:10px;box-shadow:0 8px 24px rgba(16,24,40,.16)}
.menu button{width:100%;justify-content:space-between;text-align:left;font-size:13px;padding:8px 10px}
.menu button[aria-checked=true]{font-weight:600;box-shadow:inset 3px 0 var(--accent)}
.menu small{color:var(--muted);font-weight:400;white-space:nowrap}
tonearm-waveform{--tonearm-waveform-progress-color:var(--accent);--tonearm-waveform-color:var(--wave);
--tonearm-focus:var(--accent);--tonearm-waveform-height:56px}
:host([size=small]) tonearm-waveform{--tonearm-waveform-height:32px}
:host([size=large]) tonearm-waveform{--tonearm-waveform-height:80px}
.times{display:flex;justify-content:space-between;align-items:center;color:var(--muted);font-size:12px;
font-variant-numeric:tabular-nums}
.badge{font-size:11px;padding:1px 6px;border-radius:99px;background:var(--soft);color:var(--muted)}
.list{grid-column:1/-1;list-style:none;margin:0;padding:6px 0 0;border-top:1px solid var(--line);
max-height:240px;overflow:auto}
.list button{width:100%;justify-content:flex-start;text-align:left;padding:7px 8px;gap:10px}
.list .n{color:var(--muted);width:1.6em;font-variant-numeric:tabular-nums}
.list .t{flex:1;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.list .d{color:var(--muted);font-variant-numeric:tabular-nums}
.list button[aria-current=true]{font-weight:600;background:var(--soft);box-shadow:inset 3px 0 var(--accent)}
.error{grid-column:1/-1;display:flex;align-items:center;gap:10px;padding:8px 10px;border-radius:8px;
background:var(--danger-soft);color:var(--danger);font-size:13px}
.error span{flex:1}
.error button{border:1px solid currentColor;padding:4px 10px}
.loading .title{color:var(--muted)}
.spin{animation:spin 1s linear infinite}
@keyframes spin{to{transform:rotate(360deg)}}
@container (max-width:360px){.card{grid-template-columns:1fr}.cover{display:none}}
`;
