// Workflow calls shared by the list, the gallery and the builder.

import { api, ApiError } from "../api/client";
import type { Agent, Page, Workflow, WorkflowTemplate } from "../api/types";
import type { WorkflowDocument } from "../builder/document";
import { BUILTIN_TEMPLATES } from "../builder/templates";
import { t } from "../app/words/workflows";

export async function listWorkflows(): Promise<Workflow[]> {
  const page = await api.get<Page<Workflow>>("/workflows");
  return [...page.data].sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
}

export function createWorkflow(doc: WorkflowDocument): Promise<Workflow> {
  return api.post<Workflow>("/workflows", doc);
}

/** The first workflow starter: inactive, so it answers nobody until it is switched on. */
export function starterDocument(name: string, text = "Hello {{ contact.first_name }}!"): WorkflowDocument {
  return {
    name,
    active: false,
    trigger: { type: "message_received" },
    steps: [{ id: "reply", type: "send_text", text }],
  };
}

/** The template gallery: the server's (built-in and the workspace's own) or, on a server
 * without templates, the dashboard's built-in ones. */
export async function listTemplates(): Promise<{ templates: WorkflowTemplate[]; serverHasTemplates: boolean }> {
  try {
    const page = await api.get<Page<WorkflowTemplate>>("/workflow-templates");
    return { templates: page.data, serverHasTemplates: true };
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405)) {
      return { templates: BUILTIN_TEMPLATES, serverHasTemplates: false };
    }
    throw e;
  }
}

async function firstAgent(): Promise<Agent | undefined> {
  return api.get<Page<Agent>>("/agents").then((p) => p.data[0]).catch(() => undefined);
}

/** Creates an (inactive) workflow from a template; one that assigns an agent gets the first agent. */
export async function createFromTemplate(template: WorkflowTemplate, fromServer: boolean): Promise<Workflow> {
  if (!fromServer) return createWorkflow(await instantiate(template));
  const path = `/workflow-templates/${encodeURIComponent(template.id)}/use`;
  try {
    return await api.post<Workflow>(path, {});
  } catch (e) {
    if (!(e instanceof ApiError && e.field === "agent")) throw e;
    const agent = await firstAgent();
    if (!agent) throw new Error(t("gallery.needAgent"));
    return api.post<Workflow>(path, { agent: agent.id });
  }
}

export function deleteTemplate(id: string): Promise<void> {
  return api.del(`/workflow-templates/${encodeURIComponent(id)}`);
}

/** Saves a workflow's live document as one of the workspace's templates. */
export function saveAsTemplate(workflowId: string, name: string, description?: string): Promise<WorkflowTemplate> {
  return api.post<WorkflowTemplate>("/workflow-templates", { workflow_id: workflowId, name, ...(description ? { description } : {}) });
}

/** A built-in template's document made ready for this workspace (an assign step gets the first agent). */
async function instantiate(template: WorkflowTemplate): Promise<WorkflowDocument> {
  const doc: WorkflowDocument = structuredClone(template.document);
  if (doc.steps.some((s) => s.type === "assign_agent" && !s.agent)) {
    const first = await firstAgent();
    doc.steps = first
      ? doc.steps.map((s) => (s.type === "assign_agent" && !s.agent ? { ...s, agent: first.id } : s))
      : doc.steps.filter((s) => !(s.type === "assign_agent" && !s.agent));
  }
  return doc;
}

/** Downloads a workflow as a JSON or YAML file. */
export async function exportWorkflow(wf: Workflow, format: "json" | "yaml"): Promise<void> {
  const text = await api.get<string>(`/workflows/${encodeURIComponent(wf.id)}?format=${format}`, { asText: true });
  const body = format === "json" ? JSON.stringify(JSON.parse(text), null, 2) : text;
  const blob = new Blob([body], { type: format === "json" ? "application/json" : "application/yaml" });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = `${wf.name.replace(/[^\w.-]+/g, "-").toLowerCase() || wf.id}.${format === "json" ? "json" : "yaml"}`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  URL.revokeObjectURL(url);
}

/** Creates a workflow from a JSON or YAML file's text. */
export function importWorkflow(fileName: string, text: string): Promise<Workflow> {
  const yaml = /\.ya?ml$/i.test(fileName) || !text.trimStart().startsWith("{");
  return api.post<Workflow>("/workflows", undefined, {
    rawBody: text,
    contentType: yaml ? "application/yaml" : "application/json",
  });
}
