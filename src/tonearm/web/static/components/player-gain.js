// Loudness normalisation of <tonearm-player>: normalize="track|album|off" and target (LUFS).
// The gain brings the track (or, in album mode, the whole collection/playlist, so the quiet
// songs of an album stay quiet) to the target, and is reduced whenever it would push the true
// peak above -1 dBTP. The loudness figures come from the play payload (loudness, album_loudness).

export const CEILING_DBTP = -1;

/** The mode in force: the attribute, else album for collection/playlist sessions, track otherwise. */
export function normalizeMode(player) {
  const a = (player.getAttribute('normalize') || '').toLowerCase();
  if (a === 'track' || a === 'album' || a === 'off') return a;
  if (a === 'false') return 'off';
  return (player.session?.scope || 'collection') === 'track' ? 'track' : 'album';
}

/** Gain in dB for the current track (0 when off or not measured). */
export function gainDb(player) {
  const pl = player.payload || {};
  const mode = normalizeMode(player);
  if (mode === 'off' || !player.normalize) return 0;
  const target = parseFloat(player.getAttribute('target'));
  const goal = isFinite(target) ? target : -14;
  const pick = mode === 'album' && pl.album_loudness?.integrated_lufs != null ? pl.album_loudness : pl.loudness;
  if (!pick || pick.integrated_lufs == null) return 0;
  let db = goal - pick.integrated_lufs;
  if (pick.true_peak_dbtp != null) db = Math.min(db, CEILING_DBTP - pick.true_peak_dbtp);
  return db;
}

export const linearGain = (player) => Math.pow(10, gainDb(player) / 20);
