// Base of Tonearm's web components: the colour tokens, defined once, and emit().

// Dark tokens, used twice below: forced by theme="dark", or from the OS unless theme="light".
const DARK = '--bg:#16181d;--fg:#f2f4f7;--muted:#98a2b3;--line:#3a3f4b;--soft:#21242b;--wave:#3b404c;'
  + '--accent:var(--accent-d,#7aa7ff);--on-accent:#111;--danger:#fda29b;--danger-soft:#3b1d1b';

/** Theme tokens (CSS custom properties on the host) and the rules every themed component shares.
 * A component picks its accent with --accent-l / --accent-d (light / dark); an inline --accent wins. */
export const THEME_CSS = `:host{--bg:#fff;--fg:#15171c;--muted:#667085;--line:#d0d5dd;--soft:#f4f6fa;--wave:#cdd2db;
--accent:var(--accent-l,#2f6fdf);--on-accent:#fff;--danger:#b42318;--danger-soft:#fef3f2;
display:block;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg)}
:host([theme=dark]){${DARK}}
@media (prefers-color-scheme:dark){:host(:not([theme=light])){${DARK}}}
*{box-sizing:border-box}
[hidden]{display:none!important}
@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important}}
`;

export class TonearmElement extends HTMLElement {
  /** Attach the open shadow root: `<style>` (the theme tokens first, unless `themed` is false) and `html`. */
  mount(css, html, themed = true) {
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = `<style>${themed ? THEME_CSS : ''}${css}</style>${html}`;
    return root;
  }

  /** Fire a bubbling, composed CustomEvent: it crosses shadow roots up to the page. */
  emit(type, detail = {}) {
    this.dispatchEvent(new CustomEvent(type, { bubbles: true, composed: true, detail }));
  }
}
