// ConversationsPage (to be built).
export default function ConversationsPage(_props: { selected?: string | null }) {
  return <h1>ConversationsPage</h1>;
}
