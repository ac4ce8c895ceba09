// The step library: one button per step type, grouped; adds the step after the selected one.

import { STEP_KINDS, type StepKind } from "./catalog";

const GROUPS: Array<StepKind["group"]> = ["Messages", "Flow", "Contact", "Integration"];

export function StepLibrary({ onAdd }: { onAdd: (kind: StepKind) => void }) {
  return (
    <section className="panel-section library" aria-labelledby="library-title">
      <h2 id="library-title">Add a step</h2>
      <p className="hint">A new step goes after the selected one.</p>
      {GROUPS.map((g) => (
        <div key={g} role="group" aria-label={g}>
          <h3 className="library-group">{g}</h3>
          <ul className="library-list">
            {STEP_KINDS.filter((k) => k.group === g).map((k) => (
              <li key={k.type}>
                <button type="button" className="button small" onClick={() => onAdd(k)}>
                  + {k.label}
                </button>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
}
