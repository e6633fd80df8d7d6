/**
 * The GraphQL tutorial's operations as its reader types them (graphene-django with
 * django-graphql-jwt: books with a title and an author, users, JWTs), one string each, so
 * the HTTP test, the GraphiQL browser test and the README's "From the tutorials" block run
 * the same text.
 */
export const TUTORIAL = {
  /** The tutorial's own sign-up, with its password: refused as too common. */
  createUserAsWritten: `mutation {
  createUser(username: "tutorial", email: "tutorial@example.com", password: "password") {
    msg
  }
}`,
  /** The same with a password of the reader's own. */
  createUser: `mutation {
  createUser(username: "tutorial", email: "tutorial@example.com", password: "correct horse battery staple") {
    msg
  }
}`,
  tokenAuth: `mutation {
  tokenAuth(username: "tutorial", password: "correct horse battery staple") {
    token
    payload
    refreshExpiresIn
  }
}`,
  /** django-graphql-jwt's documented forms, with variables. */
  tokenAuthWithVariables: `mutation TokenAuth($username: String!, $password: String!) {
  tokenAuth(username: $username, password: $password) {
    token
    payload
    refreshExpiresIn
  }
}`,
  verifyToken: `mutation VerifyToken($token: String!) {
  verifyToken(token: $token) {
    payload
  }
}`,
  refreshToken: `mutation RefreshToken($token: String!) {
  refreshToken(token: $token) {
    token
    payload
    refreshExpiresIn
  }
}`,
  createBook: `mutation {
  createBook(bookData: {title: "Dune", author: "Frank Herbert"}) {
    book {
      id
      title { id name }
      author { id name }
    }
    ok
  }
}`,
  allBooks: `query {
  allBooks {
    id
    title { id name }
    author { id name }
  }
}`,
  /** `updateBook` and `deleteBook` take the id `createBook` answered. */
  updateBook: (id: string) => `mutation {
  updateBook(id: ${id}, bookData: {title: "Dune Messiah"}) {
    ok
    book {
      id
      title { name }
      author { name }
    }
  }
}`,
  deleteBook: (id: string) => `mutation {
  deleteBook(id: ${id}) {
    ok
  }
}`,
} as const;
