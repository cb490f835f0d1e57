// milsymbol images: one per SIDC, cached, as a data: URL for lists and as
// an image added to the map for the track layer.

import ms from 'milsymbol';

const SIZE = 22;

const urls = new Map<string, string>();

export function symbolURL(sidc: string): string {
  let u = urls.get(sidc);
  if (!u) {
    u = new ms.Symbol(sidc, { size: SIZE }).toDataURL();
    urls.set(sidc, u);
  }
  return u;
}

// symbolImage draws the symbol on a canvas at the device pixel ratio and
// returns its pixels for map.addImage.
export function symbolImage(sidc: string, ratio: number): { width: number; height: number; data: Uint8Array } | null {
  const canvas = new ms.Symbol(sidc, { size: SIZE }).asCanvas(ratio);
  const c2d = canvas.getContext('2d');
  if (!c2d || canvas.width === 0 || canvas.height === 0) return null;
  const img = c2d.getImageData(0, 0, canvas.width, canvas.height);
  return { width: img.width, height: img.height, data: new Uint8Array(img.data.buffer) };
}
