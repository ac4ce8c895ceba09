// The built-in workflow templates (welcome, out-of-hours, assign to an agent), as documents.

import type { WorkflowTemplate } from "../api/types";

export const BUILTIN_TEMPLATES: WorkflowTemplate[] = [
  {
    id: "builtin-welcome",
    builtin: true,
    name: "Welcome",
    description: "Greets every new contact on their first message and tags them.",
    document: {
      name: "Welcome",
      active: false,
      trigger: { type: "contact_created" },
      steps: [
        { id: "greet", type: "send_text", text: "Hi {{ contact.first_name }}! Thanks for writing to us. How can we help?" },
        { id: "tag", type: "add_tag", tag: "new" },
      ],
    },
  },
  {
    id: "builtin-out-of-hours",
    builtin: true,
    name: "Out of hours",
    description: "Answers messages that arrive outside business hours when no other workflow did.",
    document: {
      name: "Out of hours",
      active: false,
      trigger: { type: "outside_business_hours" },
      steps: [
        {
          id: "closed",
          type: "send_text",
          text: "Thanks for your message! We are closed right now and will answer as soon as we open.",
        },
      ],
    },
  },
  {
    id: "builtin-assign-agent",
    builtin: true,
    name: "Assign to an agent",
    description: "When someone asks for a person, tags them, assigns an agent and notifies them.",
    document: {
      name: "Assign to an agent",
      active: false,
      trigger: { type: "message_received" },
      conditions: { type: "text", op: "contains", values: ["agent", "human", "operator", "person"] },
      stop_on_match: true,
      steps: [
        { id: "ack", type: "send_text", text: "Sure, a member of our team will answer you here shortly." },
        { id: "tag", type: "add_tag", tag: "needs-human" },
        { id: "assign", type: "assign_agent", agent: "" },
        { id: "notify", type: "notify_agent", text: "{{ contact.phone }} asked for a person." },
      ],
    },
  },
];
