// Types for <math-snap> (math-snap.js): the element, its events, and the re-exported JS API.
import type { ErrorDetail, ImageLike, ProgressDetail, ReadyDetail, RecognizeOptions, RecognizeResult } from './api.js';

export * from './api.js';

export interface MathSnapEventMap {
  progress: CustomEvent<ProgressDetail>;
  ready: CustomEvent<ReadyDetail>;
  result: CustomEvent<RecognizeResult>;
  error: CustomEvent<ErrorDetail>;
}

/**
 * <math-snap base="…" models="…" mode="upload|camera|both" beam="3" single>
 * Fires bubbling 'progress', 'ready', 'result' and 'error' CustomEvents.
 */
export class MathSnapElement extends HTMLElement {
  /** Resolves once the engine is loaded. */
  readonly ready: Promise<ReadyDetail>;
  readonly state: 'idle' | 'loading' | 'ready' | 'busy' | 'done' | 'error';
  /** Resolved base attribute (folder with worker.js, pkg/, vendor/). */
  readonly base: string;
  readonly mode: 'upload' | 'camera' | 'both';
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
