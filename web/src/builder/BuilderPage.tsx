// The flow builder for one workflow: loads the draft (or the live document), edits it on a canvas
// and in side panels, saves the draft (automatically, and on demand), publishes, tests, versions.

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api, ApiError, errorText } from "../api/client";
import type { Agent, Page, WaNumber, Workflow } from "../api/types";
import { Link } from "../app/router";
import { ErrorBanner, Loading } from "../ui/widgets";
import { Canvas } from "./Canvas";
import { newStepId, type StepKind } from "./catalog";
import { removeStep, renameStep, stepIndexOf, withEdge, stepEdges, type Step, type WorkflowDocument } from "./document";
import { autoLayout, placeNew, TRIGGER_NODE, type Positions } from "./layout";
import { Outline } from "./Outline";
import { SettingsPanel } from "./SettingsPanel";
import { StepLibrary } from "./StepLibrary";
import { StepPanel } from "./StepPanel";
import { TestChat } from "./TestChat";
import { TriggerPanel } from "./TriggerPanel";
import { VersionsPanel } from "./VersionsPanel";

type Tab = "step" | "trigger" | "settings" | "versions";
type FieldError = { field: string; message: string };

/** Whether the server keeps `ui` (node positions) in documents; learnt from the first save. */
let serverKeepsUi: boolean | undefined;

const AUTOSAVE_MS = 1200;

function positionsKey(id: string): string {
  return `waflow.positions.${id}`;
}

function loadPositions(id: string, doc: WorkflowDocument): Positions {
  const fromDoc = doc.ui?.positions;
  let stored: Positions = {};
  try {
    stored = JSON.parse(localStorage.getItem(positionsKey(id)) ?? "{}") as Positions;
  } catch {
    stored = {};
  }
  const merged = { ...stored, ...(fromDoc ?? {}) };
  const known = doc.steps.every((s) => merged[s.id]);
  return known ? { ...autoLayout(doc.steps), ...merged } : autoLayout(doc.steps);
}

export default function BuilderPage({ id }: { id: string }) {
  const base = `/workflows/${encodeURIComponent(id)}`;
  const [workflow, setWorkflow] = useState<Workflow | null>(null);
  const [doc, setDocState] = useState<WorkflowDocument | null>(null);
  const [hasDraft, setHasDraft] = useState(false);
  const [dirty, setDirty] = useState(false);
  const [positions, setPositions] = useState<Positions>({});
  const [selected, setSelected] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>("settings");
  const [fieldError, setFieldError] = useState<FieldError | null>(null);
  const [banner, setBanner] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [saveState, setSaveState] = useState<"idle" | "saving" | "saved" | "failed">("idle");
  const [publishing, setPublishing] = useState(false);
  const [testing, setTesting] = useState(false);
  const [numbers, setNumbers] = useState<WaNumber[]>([]);
  const [agents, setAgents] = useState<Agent[]>([]);
  const [versionsKey, setVersionsKey] = useState(0);
  const editCount = useRef(0);
  const docRef = useRef<WorkflowDocument | null>(null);
  docRef.current = doc;

  useEffect(() => {
    let cancelled = false;
    Promise.all([
      api.get<Workflow>(base),
      api.get<{ draft: WorkflowDocument | null }>(`${base}/draft`),
      api.get<Page<WaNumber>>("/numbers").then((p) => p.data).catch(() => []),
      api.get<Page<Agent>>("/agents").then((p) => p.data).catch(() => []),
    ])
      .then(([wf, draft, nums, ags]) => {
        if (cancelled) return;
        const start = draft.draft ?? wf.document;
        setWorkflow(wf);
        setHasDraft(Boolean(draft.draft));
        setDocState(start);
        setPositions(loadPositions(id, start));
        setNumbers(nums);
        setAgents(ags);
      })
      .catch((e: unknown) => !cancelled && setLoadError(errorText(e)));
    return () => {
      cancelled = true;
    };
  }, [base, id]);

  const history = useRef<WorkflowDocument[]>([]);
  const [canUndo, setCanUndo] = useState(false);

  /** Every edit goes through here: keeps the previous document for undo, marks the draft dirty
   * and clears the last save's error. */
  const setDoc = useCallback((update: (d: WorkflowDocument) => WorkflowDocument) => {
    if (docRef.current) {
      history.current = [...history.current.slice(-49), docRef.current];
      setCanUndo(true);
    }
    setDocState((d) => (d ? update(d) : d));
    editCount.current += 1;
    setDirty(true);
    setSaveState("idle");
    setFieldError(null);
  }, []);

  // A notice fades after a while (it sits in the bar: no layout moves).
  useEffect(() => {
    if (!notice) return;
    const timer = window.setTimeout(() => setNotice(null), 8000);
    return () => window.clearTimeout(timer);
  }, [notice]);

  const undo = useCallback(() => {
    const previous = history.current.pop();
    setCanUndo(history.current.length > 0);
    if (!previous) return;
    setDocState(previous);
    editCount.current += 1;
    setDirty(true);
    setSaveState("idle");
    setFieldError(null);
  }, []);

  const showError = useCallback((e: unknown) => {
    setBanner(errorText(e));
    if (e instanceof ApiError && e.field && docRef.current) {
      const fe = { field: e.field, message: e.detail };
      setFieldError(fe);
      const i = stepIndexOf(e.field);
      const step = i !== null ? docRef.current.steps[i] : undefined;
      if (step) {
        setSelected(step.id);
        setTab("step");
      } else if (e.field.startsWith("trigger") || e.field.startsWith("conditions")) {
        setSelected(TRIGGER_NODE);
        setTab("trigger");
      } else if (e.field !== "ui") {
        setTab("settings");
      }
    }
  }, []);

  const save = useCallback(async (): Promise<boolean> => {
    const current = docRef.current;
    if (!current) return false;
    const at = editCount.current;
    setSaveState("saving");
    const withUi: WorkflowDocument = serverKeepsUi === false ? current : { ...current, ui: { positions } };
    if (serverKeepsUi === false) delete withUi.ui;
    try {
      try {
        await api.put(`${base}/draft`, withUi);
        if (serverKeepsUi === undefined) serverKeepsUi = true;
      } catch (e) {
        if (!(e instanceof ApiError && e.field === "ui")) throw e;
        serverKeepsUi = false;
        const plain = { ...current };
        delete plain.ui;
        await api.put(`${base}/draft`, plain);
      }
      setHasDraft(true);
      if (editCount.current === at) {
        setDirty(false);
        setSaveState("saved");
      }
      setBanner(null);
      setFieldError(null);
      return true;
    } catch (e) {
      setSaveState("failed");
      showError(e);
      return false;
    }
  }, [base, positions, showError]);

  // Autosave: a draft never runs, so saving it often is safe; its answer is the inline validation.
  useEffect(() => {
    if (!dirty || saveState === "saving" || saveState === "failed") return;
    const timer = window.setTimeout(() => void save(), AUTOSAVE_MS);
    return () => window.clearTimeout(timer);
  }, [dirty, doc, save, saveState]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s") {
        e.preventDefault();
        void save();
      }
      // Ctrl+Z outside text fields undoes the last change to the flow (fields keep their own undo).
      const target = e.target as HTMLElement | null;
      const typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable);
      if ((e.ctrlKey || e.metaKey) && !e.shiftKey && e.key.toLowerCase() === "z" && !typing) {
        e.preventDefault();
        undo();
      }
    };
    const onUnload = (e: BeforeUnloadEvent) => {
      if (dirty) e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    window.addEventListener("beforeunload", onUnload);
    return () => {
      window.removeEventListener("keydown", onKey);
      window.removeEventListener("beforeunload", onUnload);
    };
  }, [save, dirty, undo]);

  const publish = async () => {
    setPublishing(true);
    setNotice(null);
    setBanner(null);
    try {
      if (!dirty && !hasDraft) {
        setNotice(`Nothing to publish: version ${workflow?.version ?? ""} already is this document.`);
        return;
      }
      if (dirty && !(await save())) return;
      const wf = await api.post<Workflow>(`${base}/publish`);
      setWorkflow(wf);
      setHasDraft(false);
      setVersionsKey((k) => k + 1);
      setNotice(`Published as version ${wf.version}${wf.active ? "; it is live." : " (inactive: switch it on under Workflow to run it)."}`);
    } catch (e) {
      showError(e);
    } finally {
      setPublishing(false);
    }
  };

  const movePosition = useCallback((stepId: string, p: { x: number; y: number }) => {
    setPositions((all) => {
      const next = { ...all, [stepId]: p };
      localStorage.setItem(positionsKey(id), JSON.stringify(next));
      return next;
    });
  }, [id]);

  const select = useCallback((stepId: string | null) => {
    setSelected(stepId);
    if (stepId === TRIGGER_NODE) setTab("trigger");
    else if (stepId) setTab("step");
  }, []);

  const addStep = (kind: StepKind) => {
    if (!doc) return;
    const stepId = newStepId(kind.type, new Set(doc.steps.map((s) => s.id)));
    const step = { id: stepId, ...kind.make() } as Step;
    const at = selected ? doc.steps.findIndex((s) => s.id === selected) : -1;
    const insertAt = at >= 0 ? at + 1 : doc.steps.length;
    setDoc((d) => ({ ...d, steps: [...d.steps.slice(0, insertAt), step, ...d.steps.slice(insertAt)] }));
    movePosition(stepId, placeNew(positions, at >= 0 ? (doc.steps[at]?.id ?? null) : (doc.steps[doc.steps.length - 1]?.id ?? null)));
    setSelected(stepId);
    setTab("step");
    setNotice(`Added “${stepId}”.`);
  };

  const rename = (from: string, to: string): string | null => {
    if (!doc) return null;
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(to)) return "Use letters, digits, '-' and '_' (at most 64).";
    if (doc.steps.some((s) => s.id === to)) return `“${to}” is already the id of another step.`;
    setDoc((d) => ({ ...d, steps: renameStep(d.steps, from, to) }));
    setPositions((all) => {
      const next = { ...all, [to]: all[from] ?? { x: 0, y: 0 } };
      delete next[from];
      localStorage.setItem(positionsKey(id), JSON.stringify(next));
      return next;
    });
    if (selected === from) setSelected(to);
    return null;
  };

  const deleteSteps = (ids: string[]) => {
    if (!ids.length) return;
    setDoc((d) => {
      const left = ids.reduce((steps, sid) => removeStep(steps, sid), d.steps);
      return left.length ? { ...d, steps: left } : d;
    });
    if (selected && ids.includes(selected)) setSelected(null);
    setTab("settings");
  };

  const connect = (stepId: string, handle: string, target: string) => {
    setDoc((d) => ({
      ...d,
      steps: d.steps.map((s, i) => {
        if (s.id !== stepId) return s;
        const edge = stepEdges(d.steps, i).find((e) => e.handle === handle);
        return edge ? withEdge(s, edge.field, target) : s;
      }),
    }));
  };

  const disconnect = (stepId: string, handle: string) => {
    setDoc((d) => ({
      ...d,
      steps: d.steps.map((s, i) => {
        if (s.id !== stepId) return s;
        const edge = stepEdges(d.steps, i).find((e) => e.handle === handle);
        return edge ? withEdge(s, edge.field, null) : s;
      }),
    }));
  };

  const errors = useMemo(() => {
    const out: Record<string, string> = {};
    if (!fieldError || !doc) return out;
    const i = stepIndexOf(fieldError.field);
    const step = i !== null ? doc.steps[i] : undefined;
    if (step) out[step.id] = `${fieldError.field.replace(/^steps\[\d+\]\.?/, "") || "step"}: ${fieldError.message}`;
    else if (/^(trigger|conditions)/.test(fieldError.field)) out[TRIGGER_NODE] = `${fieldError.field}: ${fieldError.message}`;
    return out;
  }, [fieldError, doc]);
  const errorIds = useMemo(() => new Set(Object.keys(errors)), [errors]);
  const agentNames = useMemo(() => Object.fromEntries(agents.map((a) => [a.id, a.name || a.email])), [agents]);

  if (loadError) return <ErrorBanner error={loadError} />;
  if (!doc || !workflow) return <Loading height={400} label="Loading the workflow…" />;

  const selectedIndex = selected ? doc.steps.findIndex((s) => s.id === selected) : -1;
  const status = saveState === "saving" ? "Saving draft…" : saveState === "failed" ? "Draft not saved: fix the error" : dirty ? "Unsaved changes" : hasDraft ? "Draft saved (not published)" : "No changes since the live version";

  return (
    <div className="builder">
      <div className="builder-bar">
        <Link to="/workflows" className="button-quiet small">
          ← Workflows
        </Link>
        <h1 className="builder-title">{doc.name || "Untitled"}</h1>
        <span className={`badge ${workflow.active ? "badge-ok" : "badge-muted"}`}>v{workflow.version} {workflow.active ? "live" : "inactive"}</span>
        <span className={`save-state${saveState === "failed" ? " failed" : ""}`} role="status" aria-live="polite">
          {status}
          {notice && <span className="builder-notice"> · {notice}</span>}
        </span>
        <div className="builder-actions">
          <button type="button" className="button" onClick={() => setPositions(() => {
            const next = autoLayout(doc.steps);
            localStorage.setItem(positionsKey(id), JSON.stringify(next));
            return next;
          })}>
            Auto-layout
          </button>
          <button type="button" className="button" onClick={undo} disabled={!canUndo} aria-keyshortcuts="Control+Z">
            Undo
          </button>
          <button type="button" className="button" onClick={() => void save()} disabled={saveState === "saving"} aria-keyshortcuts="Control+S">
            Save draft
          </button>
          <button type="button" className="button" aria-pressed={testing} onClick={() => setTesting((t) => !t)}>
            Test
          </button>
          <button type="button" className="button-primary" onClick={() => void publish()} disabled={publishing}>
            {publishing ? "Publishing…" : "Publish"}
          </button>
        </div>
      </div>
      <ErrorBanner error={banner} onDismiss={() => setBanner(null)} />
      <div className={`builder-body${testing ? " with-test" : ""}`}>
        <div className="builder-left">
          <Outline doc={doc} selected={selected} errorIds={errorIds} onSelect={select} agentNames={agentNames} />
          <StepLibrary onAdd={addStep} />
        </div>
        <Canvas
          doc={doc}
          positions={positions}
          selected={selected}
          errors={errors}
          onSelect={select}
          onMove={movePosition}
          onConnect={connect}
          onDisconnect={disconnect}
          onDeleteSteps={deleteSteps}
          agentNames={agentNames}
        />
        <div className="builder-panel">
          <div role="tablist" aria-label="Editor" className="tabs">
            {([["step", "Step"], ["trigger", "Trigger"], ["settings", "Workflow"], ["versions", "Versions"]] as Array<[Tab, string]>).map(([t, label]) => (
              <button key={t} type="button" role="tab" id={`tab-${t}`} aria-selected={tab === t} aria-controls="editor-panel" className="tab" onClick={() => setTab(t)}>
                {label}
              </button>
            ))}
          </div>
          <div id="editor-panel" role="tabpanel" aria-labelledby={`tab-${tab}`} className="tab-panel">
            {tab === "step" &&
              (selectedIndex >= 0 ? (
                <StepPanel
                  doc={doc}
                  index={selectedIndex}
                  error={fieldError}
                  agents={agents}
                  onStep={(s) => setDoc((d) => ({ ...d, steps: d.steps.map((x, i) => (i === selectedIndex ? s : x)) }))}
                  onRename={rename}
                  onDelete={() => deleteSteps([doc.steps[selectedIndex]?.id ?? ""])}
                  onMove={(delta) =>
                    setDoc((d) => {
                      const steps = [...d.steps];
                      const [s] = steps.splice(selectedIndex, 1);
                      if (s) steps.splice(selectedIndex + delta, 0, s);
                      return { ...d, steps };
                    })
                  }
                />
              ) : (
                <p className="muted">Select a step on the canvas or in the step list.</p>
              ))}
            {tab === "trigger" && <TriggerPanel workflowId={id} doc={doc} onDoc={(d) => setDoc(() => d)} error={fieldError} agents={agents} />}
            {tab === "settings" && <SettingsPanel workflowId={id} doc={doc} onDoc={(d) => setDoc(() => d)} error={fieldError} numbers={numbers} />}
            {tab === "versions" && (
              <VersionsPanel
                workflowId={id}
                hasDraft={hasDraft}
                reloadKey={versionsKey}
                onLoadVersion={(d, v) => {
                  setDoc(() => d);
                  setPositions(loadPositions(id, d));
                  setNotice(`Version ${v} loaded into the editor; it becomes the draft when saved.`);
                }}
              />
            )}
          </div>
        </div>
        {testing && <TestChat workflowId={id} onClose={() => setTesting(false)} beforeStart={async () => (dirty ? save() : true)} />}
      </div>
    </div>
  );
}
