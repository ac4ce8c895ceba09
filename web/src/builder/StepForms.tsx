// The fields of each step type (edges are edited in the panel's "Connections" section).

import { t } from "../app/words/builder";
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

const templateHint = () => t("form.templateHint");

export function StepFields(props: FormProps) {
  const { step, set, errorFor, agents } = props;
  const agentOptions = agents.map((a): [string, string] => [a.id, a.name || a.email]);
  switch (step.type) {
    case "send_text":
      return (
        <>
          <TextArea label={t("form.message")} rows={4} value={str(step.text)} error={errorFor("text")} hint={templateHint()} onChange={(v) => set("text", v)} />
          <CheckField label={t("form.translate")} checked={Boolean(step.translate)} onChange={(v) => set("translate", v || undefined)} />
          {errorFor("translate") && <p className="field-error" role="alert">{errorFor("translate")}</p>}
        </>
      );
    case "ai_reply": {
      const num = (k: string, d: number) => (typeof step[k] === "number" ? (step[k] as number) : d);
      return (
        <>
          <p className="hint">
            {t("form.aiHint")}
          </p>
          <div className="row">
            <NumberField
              label={t("form.aiPause")}
              min={0}
              max={60}
              step={0.5}
              value={step.debounce_ms === undefined ? 3 : num("debounce_ms", 3000) / 1000}
              error={errorFor("debounce_ms")}
              onChange={(v) => set("debounce_ms", v === undefined ? undefined : Math.round(v * 1000))}
            />
            <NumberField label={t("form.aiHistory")} min={0} max={50} value={num("history", 10)} error={errorFor("history")} onChange={(v) => set("history", v)} />
          </div>
          <LinesField
            label={t("form.aiHelpers")}
            rows={3}
            value={Array.isArray(step.helpers) ? step.helpers.map(str) : []}
            error={errorFor("helpers")}
            hint={t("form.aiHelpersHint")}
            onChange={(v) => set("helpers", v.length ? v : undefined)}
          />
          <TextField
            label={t("form.aiPrefix")}
            value={str(step.system_prefix)}
            placeholder={t("form.aiPrefixPlaceholder")}
            error={errorFor("system_prefix")}
            hint={t("form.aiPrefixHint")}
            onChange={(v) => set("system_prefix", v || undefined)}
          />
          <fieldset className="options">
            <legend>{t("form.aiCancel")}</legend>
            <CheckField label={t("form.aiContactWrote")} checked={step.cancel_if_contact_wrote !== false} onChange={(v) => set("cancel_if_contact_wrote", v)} />
            <CheckField label={t("form.aiAgentReplied")} checked={step.cancel_if_agent_replied !== false} onChange={(v) => set("cancel_if_agent_replied", v)} />
          </fieldset>
        </>
      );
    }
    case "notify_agent":
      return (
        <>
          <SelectField label={t("form.notify")} value={str(step.agent)} options={[["", t("form.notifyAssigned")], ...agentOptions]} error={errorFor("agent")} onChange={(v) => set("agent", v || undefined)} />
          <TextArea label={t("form.notifyText")} value={str(step.text)} error={errorFor("text")} hint={templateHint()} onChange={(v) => set("text", v)} />
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
          <TextArea label={t("form.question")} value={str(step.text)} error={errorFor("text")} hint={templateHint()} onChange={(v) => set("text", v)} />
          <SelectField
            label={t("form.accept")}
            value={validate}
            options={(["text", "number", "email", "phone", "date", "option", "regex"] as const).map((v): [string, string] => [v, t(`form.accept.${v}`)])}
            error={errorFor("validate")}
            onChange={(v) => props.replace({ ...withoutKeys(step, ["options", "pattern"]), validate: v, ...(v === "option" ? { options: [t("default.yes"), t("default.no")] } : v === "regex" ? { pattern: ".+" } : {}) })}
          />
          {validate === "option" && <ListField label={t("form.options")} value={Array.isArray(step.options) ? step.options.map(str) : []} error={errorFor("options")} onChange={(v) => set("options", v)} />}
          {validate === "regex" && <TextField label={t("form.pattern")} value={str(step.pattern)} error={errorFor("pattern")} onChange={(v) => set("pattern", v)} />}
          <TextField label={t("form.saveVar")} value={str(step.var)} error={errorFor("var")} placeholder="answer" onChange={(v) => set("var", v || undefined)} />
          <TextField label={t("form.saveField")} value={str(step.save_to)} error={errorFor("save_to")} placeholder="email" onChange={(v) => set("save_to", v || undefined)} />
          <TextArea label={t("form.retryText")} rows={2} value={str(step.retry_text)} error={errorFor("retry_text")} onChange={(v) => set("retry_text", v || undefined)} />
          <NumberField label={t("form.retries")} min={0} max={10} value={typeof step.max_retries === "number" ? step.max_retries : undefined} error={errorFor("max_retries")} onChange={(v) => set("max_retries", v)} />
          <TextField label={t("form.giveUp")} value={str(step.timeout)} error={errorFor("timeout")} onChange={(v) => set("timeout", v || undefined)} />
        </>
      );
    }
    case "wait_for_reply":
      return <TextField label={t("form.giveUpForever")} value={str(step.timeout)} error={errorFor("timeout")} onChange={(v) => set("timeout", v || undefined)} />;
    case "branch":
      return (
        <div className="field">
          <span className="field-label">{t("form.branch")}</span>
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
      return <TextField label={t("form.tag")} value={str(step.tag)} error={errorFor("tag")} onChange={(v) => set("tag", v)} />;
    case "add_to_list":
    case "remove_from_list":
      return <TextField label={t("form.list")} value={str(step.list)} error={errorFor("list")} onChange={(v) => set("list", v)} />;
    case "open_ticket":
      return <TextField label={t("form.subject")} value={str(step.subject)} error={errorFor("subject")} hint={templateHint()} onChange={(v) => set("subject", v)} />;
    case "close_ticket":
      return <p className="muted">{t("form.closeTicket")}</p>;
    case "assign_agent":
      return (
        <SelectField
          label={t("form.assignTo")}
          value={str(step.agent)}
          options={[["", t("form.nobody")], ...agentOptions]}
          error={errorFor("agent")}
          onChange={(v) => set("agent", v || null)}
        />
      );
    case "set_field": {
      const fromMessage = Boolean(step.next_message);
      return (
        <>
          <TextField label={t("form.field")} value={str(step.field)} error={errorFor("field")} onChange={(v) => set("field", v)} />
          <CheckField
            label={t("form.nextMessage")}
            checked={fromMessage}
            onChange={(v) => props.replace(v ? { ...withoutKeys(step, ["value"]), next_message: true } : { ...withoutKeys(step, ["next_message"]), value: "" })}
          />
          {!fromMessage && <TextField label={t("form.value")} value={str(step.value)} error={errorFor("value")} hint={templateHint()} onChange={(v) => set("value", v)} />}
        </>
      );
    }
    case "http_request":
    case "webhook":
      return (
        <>
          <SelectField
            label={t("form.method")}
            value={str(step.method) || (step.type === "webhook" ? "POST" : "GET")}
            options={["GET", "POST", "PUT", "PATCH", "DELETE"].map((m): [string, string] => [m, m])}
            error={errorFor("method")}
            onChange={(v) => set("method", v)}
          />
          <TextField label={t("form.url")} value={str(step.url)} error={errorFor("url")} onChange={(v) => set("url", v)} />
          <MapField label={t("form.headers")} sep=":" value={step.headers as Record<string, string> | undefined} error={errorFor("headers")} onChange={(v) => set("headers", v)} />
          <JsonField label={t("form.body")} value={step.body} error={errorFor("body")} onChange={(v) => set("body", v)} rows={4} />
          <MapField label={t("form.save")} sep="=" value={step.save as Record<string, string> | undefined} error={errorFor("save")} onChange={(v) => set("save", v)} />
          <NumberField label={t("form.timeoutMs")} min={100} max={60000} value={typeof step.timeout_ms === "number" ? step.timeout_ms : undefined} error={errorFor("timeout_ms")} onChange={(v) => set("timeout_ms", v)} />
          <CheckField label={t("form.sign")} checked={step.sign === undefined ? step.type === "webhook" : Boolean(step.sign)} onChange={(v) => set("sign", v)} />
        </>
      );
    case "end":
      return <p className="muted">{t("form.endHere")}</p>;
    case "block":
    case "unblock":
    case "end_other_runs":
      return <p className="muted">{t("form.noSettings")}</p>;
    case "go_to":
      return <p className="muted">{t("form.goTo")}</p>;
    default:
      return <p className="muted">{t("form.asJson")}</p>;
  }
}

function withoutKeys(step: Step, keys: string[]): Step {
  const copy: Step = { ...step };
  for (const k of keys) delete copy[k];
  return copy;
}
