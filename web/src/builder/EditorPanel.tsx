// The builder's right-hand panel: tabs for the selected step, the trigger and conditions, the
// workflow's settings and its versions.

import type { Agent, WaNumber } from "../api/types";
import { t } from "../app/words/builder";
import { moveStep, type Step, type WorkflowDocument } from "./document";
import { SettingsPanel } from "./SettingsPanel";
import { StepPanel } from "./StepPanel";
import { TriggerPanel } from "./TriggerPanel";
import { VersionsPanel } from "./VersionsPanel";

export type Tab = "step" | "trigger" | "settings" | "versions";
const TABS: Array<[Tab, "tab.step" | "tab.trigger" | "tab.settings" | "tab.versions"]> = [["step", "tab.step"], ["trigger", "tab.trigger"], ["settings", "tab.settings"], ["versions", "tab.versions"]];

export function EditorPanel(props: {
  workflowId: string;
  doc: WorkflowDocument;
  tab: Tab;
  onTab: (tab: Tab) => void;
  selectedIndex: number;
  error: { field: string; message: string } | null;
  agents: Agent[];
  agentNames: Record<string, string>;
  numbers: WaNumber[];
  hasDraft: boolean;
  versionsKey: number;
  setDoc: (update: (d: WorkflowDocument) => WorkflowDocument) => void;
  onRename: (from: string, to: string) => string | null;
  onDeleteSteps: (ids: string[]) => void;
  onLoadVersion: (doc: WorkflowDocument, version: number) => void;
}) {
  const { workflowId, doc, tab, onTab, selectedIndex, error, agents, setDoc } = props;
  return (
    <div className="builder-panel">
      <div role="tablist" aria-label={t("tab.list")} className="tabs">
        {TABS.map(([key, label]) => (
          <button key={key} type="button" role="tab" id={`tab-${key}`} aria-selected={tab === key} aria-controls="editor-panel" className="tab" onClick={() => onTab(key)}>
            {t(label)}
          </button>
        ))}
      </div>
      <div id="editor-panel" role="tabpanel" aria-labelledby={`tab-${tab}`} className="tab-panel">
        {tab === "step" &&
          (selectedIndex >= 0 ? (
            <StepPanel
              doc={doc}
              index={selectedIndex}
              error={error}
              agents={agents}
              agentNames={props.agentNames}
              onSteps={(steps: Step[]) => setDoc((d) => ({ ...d, steps }))}
              onStep={(s) => setDoc((d) => ({ ...d, steps: d.steps.map((x, i) => (i === selectedIndex ? s : x)) }))}
              onRename={props.onRename}
              onDelete={() => props.onDeleteSteps([doc.steps[selectedIndex]?.id ?? ""])}
              onMove={(delta) => setDoc((d) => ({ ...d, steps: moveStep(d.steps, selectedIndex, delta) }))}
            />
          ) : (
            <p className="muted">{t("panel.selectHint")}</p>
          ))}
        {tab === "trigger" && <TriggerPanel workflowId={workflowId} doc={doc} onDoc={(d) => setDoc(() => d)} error={error} agents={agents} />}
        {tab === "settings" && <SettingsPanel workflowId={workflowId} doc={doc} onDoc={(d) => setDoc(() => d)} error={error} numbers={props.numbers} />}
        {tab === "versions" && <VersionsPanel workflowId={workflowId} hasDraft={props.hasDraft} reloadKey={props.versionsKey} onLoadVersion={props.onLoadVersion} />}
      </div>
    </div>
  );
}
