// GraphQL explorer: sends the query as JSON and shows the answer as text.
const form = document.getElementById("graphql-form");
const out = document.getElementById("graphql-result");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  let variables;
  try {
    variables = JSON.parse(document.getElementById("graphql-variables").value || "{}");
  } catch {
    out.textContent = "Variables are not valid JSON.";
    return;
  }
  const headers = { "content-type": "application/json" };
  const token = document.getElementById("graphql-token").value.trim();
  if (token) headers.authorization = `JWT ${token}`;
  out.textContent = "…";
  try {
    const response = await fetch("/graphql/", {
      method: "POST",
      headers,
      body: JSON.stringify({ query: document.getElementById("graphql-query").value, variables }),
    });
    out.textContent = JSON.stringify(await response.json(), null, 2);
  } catch (error) {
    out.textContent = `Request failed: ${error}`;
  }
});
