// The live view's output: on a TTY a frame redrawn in place under the lines already printed;
// elsewhere plain appended lines, one per change.
export interface Output {
  readonly isTTY?: boolean;
  write(chunk: string): boolean;
}

export class LiveScreen {
  readonly #out: Output;
  readonly #tty: boolean;
  readonly #started: number;
  #frameHeight = 0;
  #lastKey = '';

  constructor(out: Output, started: number) {
    this.#out = out;
    this.#tty = out.isTTY === true;
    this.#started = started;
    if (this.#tty) this.#out.write('\x1b[?25l');
  }

  get tty(): boolean {
    return this.#tty;
  }

  #elapsed(at: number): string {
    return `[${((at - this.#started) / 1000).toFixed(1).padStart(5)}s]`;
  }

  #clearFrame(): void {
    if (this.#frameHeight > 0) this.#out.write(`\x1b[${String(this.#frameHeight)}F\x1b[0J`);
    this.#frameHeight = 0;
  }

  /** Shows the current state: redraws the frame (TTY) or appends `line` if it changed. */
  show(frame: readonly string[], line: string, at: number): void {
    if (this.#tty) {
      this.#clearFrame();
      // Auto-wrap off while drawing: a line wider than the terminal is clipped, not wrapped,
      // so the frame keeps exactly frame.length rows and the redraw lands in place.
      this.#out.write(`\x1b[?7l${frame.join('\n')}\n\x1b[?7h`);
      this.#frameHeight = frame.length;
      return;
    }
    if (line === this.#lastKey) return;
    this.#lastKey = line;
    this.#out.write(`${this.#elapsed(at)} ${line}\n`);
  }

  /** A permanent line (a milestone); the frame is drawn again below it on the next show. */
  note(text: string, at = Date.now()): void {
    this.#clearFrame();
    this.#out.write(`${this.#tty ? '' : `${this.#elapsed(at)} `}${text}\n`);
  }

  /** Leaves the last frame on screen and gives the cursor back. */
  end(): void {
    this.#frameHeight = 0;
    if (this.#tty) this.#out.write('\x1b[?25h');
  }
}
