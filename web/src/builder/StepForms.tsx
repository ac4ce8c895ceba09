// The fields of each step type (edges are edited in the panel's "Connections" section).

import type { Agent } from "../api/types";
import { str, type Condition, type Step } from "./document";
import { ConditionEditor } from "./ConditionEditor";
import { ContentEditor } from "./ContentEditor";
import { CheckField, JsonField, LinesField, ListField, MapField, NumberField, SelectField, TextArea, TextField } from "../ui/fields";

export interface FormProps {
  step: Step;
  index: number;
  set: (key: string, value: unknown) => void;
  replace: (step: Step) => void;
  /** The server's error for a field of this step (`text`, `content.buttons[0].title`, ...). */
  errorFor: (sub: string) => string | null;
  error: { field: string; message: string } | null;
  agents: Agent[];
}

const TEMPLATE_HINT = "Use {{ contact.first_name }}, {{ contact.fields.city }} or {{ vars.name }}.";

export function StepFields(props: FormProps) {
  const { step, set, errorFor, agents } = props;
  const agentOptions = agents.map((a): [string, string] => [a.id, a.name || a.email]);
  switch (step.type) {
    case "send_text":
      return (
        <>
          <TextArea label="Message" rows={4} value={str(step.text)} error={errorFor("text")} hint={TEMPLATE_HINT} onChange={(v) => set("text", v)} />
          <CheckField label="Translate into the contact's language" checked={Boolean(step.translate)} onChange={(v) => set("translate", v || undefined)} />
          {errorFor("translate") && <p className="field-error" role="alert">{errorFor("translate")}</p>}
        </>
      );
    case "ai_reply": {
      const num = (k: string, d: number) => (typeof step[k] === "number" ? (step[k] as number) : d);
      return (
        <>
          <p className="hint">
            Answers with the AI provider, the business prompt and the knowledge set under Settings. Without an answer (provider error, timeout, no credits) the run
            continues on the “Fallback” connection below, or fails.
          </p>
          <div className="row">
            <NumberField
              label="Wait for a pause of (seconds)"
              min={0}
              max={60}
              step={0.5}
              value={step.debounce_ms === undefined ? 3 : num("debounce_ms", 3000) / 1000}
              error={errorFor("debounce_ms")}
              onChange={(v) => set("debounce_ms", v === undefined ? undefined : Math.round(v * 1000))}
            />
            <NumberField label="Previous messages shown" min={0} max={50} value={num("history", 10)} error={errorFor("history")} onChange={(v) => set("history", v)} />
          </div>
          <LinesField
            label="Helper phrases (one per line)"
            rows={3}
            value={Array.isArray(step.helpers) ? step.helpers.map(str) : []}
            error={errorFor("helpers")}
            hint="Phrases the model may use in this workflow, e.g. “We ship in 24 hours”."
            onChange={(v) => set("helpers", v.length ? v : undefined)}
          />
          <TextField
            label="System prefix"
            value={str(step.system_prefix)}
            placeholder="[Automatic reply outside business hours]"
            error={errorFor("system_prefix")}
            hint="Told to the model first: that it answers automatically, and in which situation (up to 200 characters)."
            onChange={(v) => set("system_prefix", v || undefined)}
          />
          <fieldset className="options">
            <legend>Just before sending, do not send if</legend>
            <CheckField label="The contact wrote again" checked={step.cancel_if_contact_wrote !== false} onChange={(v) => set("cancel_if_contact_wrote", v)} />
            <CheckField label="An agent replied" checked={step.cancel_if_agent_replied !== false} onChange={(v) => set("cancel_if_agent_replied", v)} />
          </fieldset>
        </>
      );
    }
    case "notify_agent":
      return (
        <>
          <SelectField label="Notify" value={str(step.agent)} options={[["", "The assigned agent (or everyone)"], ...agentOptions]} error={errorFor("agent")} onChange={(v) => set("agent", v || undefined)} />
          <TextArea label="Notification text" value={str(step.text)} error={errorFor("text")} hint={TEMPLATE_HINT} onChange={(v) => set("text", v)} />
        </>
      );
    case "send":
    case "menu":
      return (
        <ContentEditor
          menu={step.type === "menu"}
          value={(step.content ?? {}) as Record<string, unknown>}
          errorFor={(sub) => errorFor(sub ? `content.${sub}` : "content")}
          onChange={(c) => set("content", c)}
        />
      );
    case "question": {
      const validate = str(step.validate) || "text";
      return (
        <>
          <TextArea label="Question" value={str(step.text)} error={errorFor("text")} hint={TEMPLATE_HINT} onChange={(v) => set("text", v)} />
          <SelectField
            label="Accept as answer"
            value={validate}
            options={[["text", "Any text"], ["number", "A number"], ["email", "An email address"], ["phone", "A phone number"], ["date", "A date"], ["option", "One of some options"], ["regex", "Text matching a pattern"]]}
            error={errorFor("validate")}
            onChange={(v) => props.replace({ ...withoutKeys(step, ["options", "pattern"]), validate: v, ...(v === "option" ? { options: ["Yes", "No"] } : v === "regex" ? { pattern: ".+" } : {}) })}
          />
          {validate === "option" && <ListField label="Options (comma-separated)" value={Array.isArray(step.options) ? step.options.map(str) : []} error={errorFor("options")} onChange={(v) => set("options", v)} />}
          {validate === "regex" && <TextField label="Pattern (regex)" value={str(step.pattern)} error={errorFor("pattern")} onChange={(v) => set("pattern", v)} />}
          <TextField label="Save in variable" value={str(step.var)} error={errorFor("var")} placeholder="answer" onChange={(v) => set("var", v || undefined)} />
          <TextField label="Save in contact field" value={str(step.save_to)} error={errorFor("save_to")} placeholder="email" onChange={(v) => set("save_to", v || undefined)} />
          <TextArea label="When the answer is not valid, say" rows={2} value={str(step.retry_text)} error={errorFor("retry_text")} onChange={(v) => set("retry_text", v || undefined)} />
          <NumberField label="Retries" min={0} max={10} value={typeof step.max_retries === "number" ? step.max_retries : undefined} error={errorFor("max_retries")} onChange={(v) => set("max_retries", v)} />
          <TextField label="Give up after (e.g. 30m, 2h)" value={str(step.timeout)} error={errorFor("timeout")} onChange={(v) => set("timeout", v || undefined)} />
        </>
      );
    }
    case "wait_for_reply":
      return <TextField label="Give up after (e.g. 30m, 2h; empty: wait for ever)" value={str(step.timeout)} error={errorFor("timeout")} onChange={(v) => set("timeout", v || undefined)} />;
    case "branch":
      return (
        <div className="field">
          <span className="field-label">If these conditions hold → “yes”, otherwise → “no”</span>
          <ConditionEditor
            value={step.conditions as Condition | undefined}
            onChange={(c) => set("conditions", c)}
            path={`steps[${props.index}].conditions`}
            error={props.error}
            agents={agents}
            optional={false}
          />
        </div>
      );
    case "add_tag":
    case "remove_tag":
      return <TextField label="Tag" value={str(step.tag)} error={errorFor("tag")} onChange={(v) => set("tag", v)} />;
    case "add_to_list":
    case "remove_from_list":
      return <TextField label="List" value={str(step.list)} error={errorFor("list")} onChange={(v) => set("list", v)} />;
    case "open_ticket":
      return <TextField label="Ticket subject" value={str(step.subject)} error={errorFor("subject")} hint={TEMPLATE_HINT} onChange={(v) => set("subject", v)} />;
    case "close_ticket":
      return <p className="muted">Closes the contact's open tickets.</p>;
    case "assign_agent":
      return (
        <SelectField
          label="Assign to"
          value={str(step.agent)}
          options={[["", "Nobody (unassign)"], ...agentOptions]}
          error={errorFor("agent")}
          onChange={(v) => set("agent", v || null)}
        />
      );
    case "set_field": {
      const fromMessage = Boolean(step.next_message);
      return (
        <>
          <TextField label="Contact field" value={str(step.field)} error={errorFor("field")} onChange={(v) => set("field", v)} />
          <CheckField
            label="Use the next message the contact sends"
            checked={fromMessage}
            onChange={(v) => props.replace(v ? { ...withoutKeys(step, ["value"]), next_message: true } : { ...withoutKeys(step, ["next_message"]), value: "" })}
          />
          {!fromMessage && <TextField label="Value" value={str(step.value)} error={errorFor("value")} hint={TEMPLATE_HINT} onChange={(v) => set("value", v)} />}
        </>
      );
    }
    case "http_request":
    case "webhook":
      return (
        <>
          <SelectField
            label="Method"
            value={str(step.method) || (step.type === "webhook" ? "POST" : "GET")}
            options={["GET", "POST", "PUT", "PATCH", "DELETE"].map((m): [string, string] => [m, m])}
            error={errorFor("method")}
            onChange={(v) => set("method", v)}
          />
          <TextField label="URL" value={str(step.url)} error={errorFor("url")} onChange={(v) => set("url", v)} />
          <MapField label="Headers (one per line, Name: value)" sep=":" value={step.headers as Record<string, string> | undefined} error={errorFor("headers")} onChange={(v) => set("headers", v)} />
          <JsonField label="Body (JSON; strings are templates)" value={step.body} error={errorFor("body")} onChange={(v) => set("body", v)} rows={4} />
          <MapField label="Save from the answer (one per line, variable = json.path)" sep="=" value={step.save as Record<string, string> | undefined} error={errorFor("save")} onChange={(v) => set("save", v)} />
          <NumberField label="Timeout (ms)" min={100} max={60000} value={typeof step.timeout_ms === "number" ? step.timeout_ms : undefined} error={errorFor("timeout_ms")} onChange={(v) => set("timeout_ms", v)} />
          <CheckField label="Sign the body with the workspace secret" checked={step.sign === undefined ? step.type === "webhook" : Boolean(step.sign)} onChange={(v) => set("sign", v)} />
        </>
      );
    case "end":
      return <p className="muted">The run ends here.</p>;
    case "block":
    case "unblock":
    case "end_other_runs":
      return <p className="muted">No settings.</p>;
    case "go_to":
      return <p className="muted">Choose the step to continue at under Connections.</p>;
    default:
      return <p className="muted">Edit this step as JSON below.</p>;
  }
}

function withoutKeys(step: Step, keys: string[]): Step {
  const copy: Step = { ...step };
  for (const k of keys) delete copy[k];
  return copy;
}
