// Labelled form fields that show the server's error for their path under the input.

import { useId, useState, type ReactNode } from "react";
import { t } from "../app/words/frame";

interface Base {
  label: string;
  error?: string | null;
  hint?: ReactNode;
}

function Frame({ label, error, hint, id, children }: Base & { id: string; children: ReactNode }) {
  return (
    <div className={`field${error ? " invalid" : ""}`}>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      {children}
      {hint && <span className="hint">{hint}</span>}
      {error && (
        <span className="field-error" id={`${id}-error`} role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

export function TextField(props: Base & { value: string; onChange: (v: string) => void; placeholder?: string; type?: string; step?: number }) {
  const id = useId();
  return (
    <Frame {...props} id={id}>
      <input
        id={id}
        type={props.type ?? "text"}
        step={props.step}
        value={props.value}
        placeholder={props.placeholder}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </Frame>
  );
}

export function TextArea(props: Base & { value: string; onChange: (v: string) => void; rows?: number; code?: boolean }) {
  const id = useId();
  return (
    <Frame {...props} id={id}>
      <textarea
        id={id}
        rows={props.rows ?? 3}
        className={props.code ? "code" : undefined}
        value={props.value}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </Frame>
  );
}

/** A number input that keeps what is typed until it is a number. */
export function NumberField(props: Base & { value: number | undefined; onChange: (v: number | undefined) => void; min?: number; max?: number; step?: number }) {
  const id = useId();
  return (
    <Frame {...props} id={id}>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={props.min}
        max={props.max}
        step={props.step}
        value={props.value ?? ""}
        aria-invalid={props.error ? true : undefined}
        onChange={(e) => props.onChange(e.target.value === "" ? undefined : Number(e.target.value))}
      />
    </Frame>
  );
}

export function SelectField(props: Base & { value: string; onChange: (v: string) => void; options: Array<[string, string]> }) {
  const id = useId();
  return (
    <Frame {...props} id={id}>
      <select id={id} value={props.value} aria-invalid={props.error ? true : undefined} onChange={(e) => props.onChange(e.target.value)}>
        {props.options.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
    </Frame>
  );
}

export function CheckField({ label, checked, onChange }: { label: string; checked: boolean; onChange: (v: boolean) => void }) {
  return (
    <label className="check">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <span>{label}</span>
    </label>
  );
}

/** A list of strings edited as comma-separated text (kept as typed while editing). */
export function ListField(props: Base & { value: string[]; onChange: (v: string[]) => void; separator?: string }) {
  const sep = props.separator ?? ",";
  const id = useId();
  const joined = props.value.join(sep === "," ? ", " : sep);
  const [text, setText] = useState(joined);
  const [last, setLast] = useState(joined);
  if (joined !== last) {
    // The value changed from outside (another field, undo, load): show it.
    setLast(joined);
    setText(joined);
  }
  const parse = (t: string) => t.split(sep).map((s) => s.trim()).filter(Boolean);
  return (
    <Frame {...props} id={id}>
      <input
        id={id}
        value={text}
        aria-invalid={props.error ? true : undefined}
        onChange={(e) => {
          setText(e.target.value);
          const parsed = parse(e.target.value);
          const parsedJoined = parsed.join(sep === "," ? ", " : sep);
          setLast(parsedJoined);
          props.onChange(parsed);
        }}
      />
    </Frame>
  );
}

/** A list of strings edited one per line (kept as typed while editing; blank lines dropped). */
export function LinesField(props: Base & { value: string[]; onChange: (v: string[]) => void; rows?: number }) {
  const id = useId();
  const joined = props.value.join("\n");
  const [text, setText] = useState(joined);
  const [last, setLast] = useState(joined);
  if (joined !== last) {
    setLast(joined);
    setText(joined);
  }
  return (
    <Frame {...props} id={id}>
      <textarea
        id={id}
        rows={props.rows ?? 3}
        value={text}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
        onChange={(e) => {
          setText(e.target.value);
          const parsed = e.target.value.split("\n").map((l) => l.trim()).filter(Boolean);
          setLast(parsed.join("\n"));
          props.onChange(parsed);
        }}
      />
    </Frame>
  );
}

/** A JSON value edited as text; `onChange` gets the parsed value once the text is valid JSON. */
export function JsonField(props: Base & { value: unknown; onChange: (v: unknown) => void; rows?: number }) {
  const id = useId();
  const shown = props.value === undefined ? "" : JSON.stringify(props.value, null, 2);
  const [text, setText] = useState(shown);
  const [last, setLast] = useState(shown);
  const [bad, setBad] = useState<string | null>(null);
  if (shown !== last) {
    setLast(shown);
    setText(shown);
    setBad(null);
  }
  return (
    <Frame {...props} id={id} error={bad ?? props.error}>
      <textarea
        id={id}
        className="code"
        rows={props.rows ?? 6}
        value={text}
        spellCheck={false}
        aria-invalid={bad || props.error ? true : undefined}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value.trim() === "") {
            setBad(null);
            setLast("");
            props.onChange(undefined);
            return;
          }
          try {
            const v: unknown = JSON.parse(e.target.value);
            setBad(null);
            setLast(JSON.stringify(v, null, 2));
            props.onChange(v);
          } catch {
            setBad(t("ui.notJson"));
          }
        }}
      />
    </Frame>
  );
}

/** An object of strings edited as lines "key<sep> value" (kept as typed while editing). */
export function MapField(props: Base & { value: Record<string, string> | undefined; onChange: (v: Record<string, string> | undefined) => void; sep: string; rows?: number }) {
  const id = useId();
  const render = (m: Record<string, string> | undefined) => Object.entries(m ?? {}).map(([k, v]) => `${k}${props.sep} ${v}`).join("\n");
  const shown = render(props.value);
  const [text, setText] = useState(shown);
  const [last, setLast] = useState(shown);
  if (shown !== last) {
    setLast(shown);
    setText(shown);
  }
  return (
    <Frame {...props} id={id}>
      <textarea
        id={id}
        className="code"
        rows={props.rows ?? 2}
        value={text}
        aria-invalid={props.error ? true : undefined}
        onChange={(e) => {
          setText(e.target.value);
          const out: Record<string, string> = {};
          for (const line of e.target.value.split("\n")) {
            const at = line.indexOf(props.sep);
            if (at > 0) out[line.slice(0, at).trim()] = line.slice(at + props.sep.length).trim();
          }
          const value = Object.keys(out).length ? out : undefined;
          setLast(render(value));
          props.onChange(value);
        }}
      />
    </Frame>
  );
}
