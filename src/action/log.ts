// The action's log: each phase of the run in a ::group:: of its own. The
// pipeline announces a phase with "[   1.2s] <phase> ..."; that line opens
// the next group (and closes the one before).
export const PHASE_START = /^\[\s*\d+(\.\d+)?s\] (.+) \.\.\.$/;

export interface Grouper {
  line(text: string): void;
  /** Closes the group still open, before the verdict is printed. */
  end(): void;
}

export function phaseGrouper(out: { info(s: string): void; startGroup(s: string): void; endGroup(): void }): Grouper {
  let open = false;
  return {
    line(text) {
      const m = PHASE_START.exec(text);
      if (m) {
        if (open) out.endGroup();
        out.startGroup(m[2]);
        open = true;
      }
      out.info(text);
    },
    end() {
      if (open) out.endGroup();
      open = false;
    },
  };
}
