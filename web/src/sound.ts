// A short alarm tone made with WebAudio: no audio files. Browsers allow
// sound only after the user has interacted with the page, so the context is
// created on the first click or key press.

let ctx: AudioContext | null = null;
let armed = false;

export function armSound(): void {
  if (armed) return;
  const arm = () => {
    armed = true;
    try {
      ctx = new AudioContext();
    } catch {
      ctx = null;
    }
    window.removeEventListener('pointerdown', arm);
    window.removeEventListener('keydown', arm);
  };
  window.addEventListener('pointerdown', arm);
  window.addEventListener('keydown', arm);
}

// alarm plays two short high beeps.
export function alarm(): void {
  if (!ctx) return;
  const now = ctx.currentTime;
  for (const start of [0, 0.22]) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'square';
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, now + start);
    gain.gain.exponentialRampToValueAtTime(0.15, now + start + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + start + 0.16);
    osc.connect(gain).connect(ctx.destination);
    osc.start(now + start);
    osc.stop(now + start + 0.18);
  }
}
