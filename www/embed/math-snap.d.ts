// Types for <math-snap> (math-snap.js): the element, its events, and the re-exported JS API.
import type {
  CorrectionDetail, Corrections, ErrorDetail, ImageLike, ProgressDetail, ReadyDetail, RecognizeOptions, RecognizeResult,
} from './api.js';

export * from './api.js';

export interface MathSnapEventMap {
  progress: CustomEvent<ProgressDetail>;
  ready: CustomEvent<ReadyDetail>;
  result: CustomEvent<RecognizeResult>;
  error: CustomEvent<ErrorDetail>;
  /** A correction (or confirmation) was saved on the device. */
  correction: CustomEvent<CorrectionDetail>;
}

/**
 * <math-snap base="…" models="…" mode="upload|camera|both" beam="3" single lang="en|ko" corrections="off">
 * lang: the interface language (default: the browser's, navigator.languages; English or Korean).
 * corrections="off": no corrections panel and nothing kept on the device, whatever the user chooses.
 * Fires bubbling 'progress', 'ready', 'result', 'error' and 'correction' CustomEvents.
 */
export class MathSnapElement extends HTMLElement {
  /** Resolves once the engine is loaded. */
  readonly ready: Promise<ReadyDetail>;
  readonly state: 'idle' | 'loading' | 'ready' | 'busy' | 'done' | 'error';
  /** Resolved base attribute (folder with worker.js, pkg/, vendor/). */
  readonly base: string;
  readonly mode: 'upload' | 'camera' | 'both';
  /** The interface language in use: the lang attribute, else the browser's. */
  readonly uiLang: 'en' | 'ko';
  /** False when corrections="off" (or the browser has no IndexedDB). */
  readonly correctionsAllowed: boolean;
  /** The corrections people saved on this device: list(), export(), clear(). */
  readonly corrections: Corrections;
  recognize(image: ImageLike, options?: RecognizeOptions): Promise<RecognizeResult>;

  addEventListener<K extends keyof MathSnapEventMap>(type: K, listener: (this: MathSnapElement, ev: MathSnapEventMap[K]) => any, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof MathSnapEventMap>(type: K, listener: (this: MathSnapElement, ev: MathSnapEventMap[K]) => any, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

declare global {
  interface HTMLElementTagNameMap {
    'math-snap': MathSnapElement;
  }
}
