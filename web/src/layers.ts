// What the operator chose to show: animal tracks and cameras can be hidden
// (on a quiet night thousands of grazing animals bury the picture). The
// choices are remembered in localStorage.

import type { Alert, Track } from './types';

export const ANIMALS_KEY = 'raqib.showAnimals';
export const CAMERAS_KEY = 'raqib.showCameras';

export const layers = {
  animals: true,
  cameras: true,
};

// readLayers loads the remembered choices; both default to shown.
export function readLayers(store: Pick<Storage, 'getItem'>): void {
  layers.animals = store.getItem(ANIMALS_KEY) !== '0';
  layers.cameras = store.getItem(CAMERAS_KEY) !== '0';
}

export function saveLayers(store: Pick<Storage, 'setItem'>): void {
  store.setItem(ANIMALS_KEY, layers.animals ? '1' : '0');
  store.setItem(CAMERAS_KEY, layers.cameras ? '1' : '0');
}

// trackShown reports whether a track is drawn and listed: an animal is
// hidden when animals are off, unless it is in an open alert.
export function trackShown(tr: Track, open: Map<string, Alert[]>, showAnimals: boolean): boolean {
  if (showAnimals || tr.class !== 'animal') return true;
  return (open.get(tr.id)?.length ?? 0) > 0;
}
