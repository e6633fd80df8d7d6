// Account bar: who is signed in, with log in / sign up / log out links.
const bar = document.getElementById("account");

function link(href, text) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  return a;
}

async function show() {
  let user = null;
  try {
    user = (await (await fetch("/api/me")).json()).user;
  } catch {
    return;
  }
  const next = encodeURIComponent(location.pathname);
  if (user) {
    const name = document.createElement("span");
    name.id = "account-name";
    name.textContent = `Signed in as ${user.username}`;
    bar.replaceChildren(
      name,
      " · ",
      link("/workorders/", "Work orders"),
      " · ",
      link("/notify/", "Notifications"),
      " · ",
      link("/graphql/", "GraphQL"),
      ...(user.isSuperuser ? [" · ", link("/workorders/admin/", "Roles and templates")] : []),
      " · ",
      link("/accounts/logout/", "Log out"),
    );
  } else {
    bar.replaceChildren(link(`/accounts/login/?next=${next}`, "Log in"), " · ", link("/accounts/signup/", "Sign up"), " · ", link("/graphql/", "GraphQL"));
  }
}

show();
