// ContactsPage (to be built).
export default function ContactsPage(_props: { selected?: string | null }) {
  return <h1>ContactsPage</h1>;
}
