//! The HTTP half of the runtime: [`Client`], its [`Query`] options and [`Retry`] policy, the
//! [`Error`] of every call, and the percent-encoding of path parameters.
//!
//! It is compiled only with the `client` feature, which is what brings in `reqwest`, `tokio` and
//! `httpdate`; without it a generated crate is its models and enums alone.

use std::fmt;

use serde::Deserialize;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::batch::{Batch, BatchResponses};
use super::{Collection, GraphError};

/// The HTTP method of a request, re-exported so that generated code can write `runtime::Method::PATCH`
/// without depending on `reqwest` by name.
pub use reqwest::Method;

/// A client for one service root, shared by every generated operation.
///
/// Cloning is cheap because the underlying `reqwest::Client` is reference-counted, so one
/// connection pool can serve many clones.
#[derive(Clone)]
pub struct Client {
    /// `None` only when the default `reqwest` client could not be built; each request then tries
    /// again and reports the failure as [`Error::Transport`] instead of panicking at construction.
    http: Option<reqwest::Client>,
    base_url: String,
    bearer_token: Option<String>,
    retry: Retry,
    /// Query options added to every request made through [`Client::send_json`] or
    /// [`Client::send_empty`], already encoded; empty when there are none.
    query: String,
    /// Headers added to every request to the service root, in the order they were given.
    headers: Vec<(String, String)>,
}

impl Client {
    /// The service root of Microsoft Graph v1.0.
    pub const GRAPH_V1: &'static str = "https://graph.microsoft.com/v1.0";

    /// Creates a client whose requests go to `base_url` followed by each operation's path.
    ///
    /// Trailing slashes are removed because every operation path already starts with one.
    pub fn new(base_url: impl Into<String>) -> Client {
        let mut base_url = base_url.into();
        let kept = base_url.trim_end_matches('/').len();
        base_url.truncate(kept);
        Client {
            http: default_http_client().ok(),
            base_url,
            bearer_token: None,
            retry: Retry::default(),
            query: String::new(),
            headers: Vec::new(),
        }
    }

    /// Sends `Authorization: Bearer <token>` with every request to the service root.
    #[must_use]
    pub fn with_bearer_token(self, token: impl Into<String>) -> Client {
        Client { bearer_token: Some(token.into()), ..self }
    }

    /// Uses a caller-configured `reqwest::Client`, for example one with timeouts, a proxy or
    /// extra default headers.
    #[must_use]
    pub fn with_http_client(self, http: reqwest::Client) -> Client {
        Client { http: Some(http), ..self }
    }

    /// Sets how throttled or briefly refused requests are sent again; see [`Retry`] for the
    /// default, and [`Retry::none`] to handle every such answer yourself.
    #[must_use]
    pub fn with_retry(self, retry: Retry) -> Client {
        Client { retry, ..self }
    }

    /// A copy of this client whose operations also send these query options, for one call or
    /// many: `client.with_query(&Query::new().select(["id", "displayName"]).top(5)).list_users()`.
    ///
    /// It borrows, unlike the `with_` methods that configure a new client, because options
    /// usually belong to one call. The options go after those an operation's documented path
    /// has, and after any this client already sends. [`Client::next_page`] does not add them,
    /// because a next link already carries the query of the request that led to it.
    #[must_use]
    pub fn with_query(&self, query: &Query) -> Client {
        let mut client = self.clone();
        push_query(&mut client.query, query.as_str());
        client
    }

    /// A copy of this client that also sends this header with every request to the service root
    /// (and with next pages on the same host, as it sends the token): for example
    /// `ConsistencyLevel: eventual`, which Microsoft Graph asks for with `$count` and `$search` on
    /// directory objects, or a `Prefer` header. It borrows, as [`Client::with_query`] does. An
    /// invalid name or value surfaces as [`Error::Transport`] when a request is sent.
    #[must_use]
    pub fn with_header(&self, name: impl Into<String>, value: impl Into<String>) -> Client {
        let mut client = self.clone();
        client.headers.push((name.into(), value.into()));
        client
    }

    /// The service root that paths are appended to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Sends a request and decodes a JSON response body into `R`.
    ///
    /// `path` starts with '/', is already percent-encoded (see [`encode_path_param`]), and is
    /// appended to the base URL. `query` is an optional already-encoded query string without '?'.
    ///
    /// # Errors
    ///
    /// [`Error::Api`] or [`Error::Status`] for a non-2xx answer, [`Error::Decode`] when a 2xx
    /// body is not JSON of type `R` (an empty body counts as `null`), and [`Error::Transport`]
    /// when no answer could be had.
    pub async fn send_json<B, R>(
        &self,
        method: Method,
        path: &str,
        query: Option<&str>,
        body: Option<&B>,
    ) -> Result<R, Error>
    where
        B: Serialize + ?Sized,
        R: DeserializeOwned,
    {
        let url = self.url(path, &[query.unwrap_or_default(), &self.query]);
        let answer = self.execute(method, url, true, Payload::json(body), JSON).await?;
        decode_json(answer.status, answer.body)
    }

    /// Sends a request for an operation that returns no body (204 or any other 2xx) and ignores
    /// whatever body the service sends anyway.
    ///
    /// # Errors
    ///
    /// [`Error::Api`] or [`Error::Status`] for a non-2xx answer, and [`Error::Transport`] when
    /// no answer could be had.
    pub async fn send_empty<B>(
        &self,
        method: Method,
        path: &str,
        query: Option<&str>,
        body: Option<&B>,
    ) -> Result<(), Error>
    where
        B: Serialize + ?Sized,
    {
        let url = self.url(path, &[query.unwrap_or_default(), &self.query]);
        self.execute(method, url, true, Payload::json(body), JSON).await?;
        Ok(())
    }

    /// Sends a request that the service accepts for later (`202 Accepted`, documented with no
    /// body: `sendMail`, a drive item's copy, a OneNote copy) and returns where to follow the
    /// work, when the service says (`Location`, or OneNote's `Operation-Location`). Whatever body
    /// comes with it is ignored.
    ///
    /// # Errors
    ///
    /// [`Error::Api`] or [`Error::Status`] for a non-2xx answer, and [`Error::Transport`] when
    /// no answer could be had.
    pub async fn send_accepted<B>(
        &self,
        method: Method,
        path: &str,
        query: Option<&str>,
        body: Option<&B>,
    ) -> Result<Accepted, Error>
    where
        B: Serialize + ?Sized,
    {
        let url = self.url(path, &[query.unwrap_or_default(), &self.query]);
        let answer = self.execute(method, url, true, Payload::json(body), JSON).await?;
        Ok(answer.accepted())
    }

    /// Sends bytes of the given media type, as [`Client::upload`] does, to an operation that
    /// answers as [`Client::send_accepted`] describes (`sendMail` with MIME content).
    ///
    /// # Errors
    ///
    /// The same as [`Client::send_accepted`].
    pub async fn upload_accepted(
        &self,
        method: Method,
        path: &str,
        query: Option<&str>,
        content_type: &str,
        content: &[u8],
    ) -> Result<Accepted, Error> {
        let url = self.url(path, &[query.unwrap_or_default(), &self.query]);
        let body: Payload<()> = Payload::Bytes { content_type, content };
        let answer = self.execute(method, url, true, body, JSON).await?;
        Ok(answer.accepted())
    }

    /// Sends a request for an operation that returns bytes rather than JSON (a file's content, a
    /// photo, a report), and returns them as they came. A redirect to where the bytes are, as
    /// Graph answers downloads, is followed; the token does not go to another host.
    ///
    /// # Errors
    ///
    /// [`Error::Api`] or [`Error::Status`] for a non-2xx answer, and [`Error::Transport`] when
    /// no answer could be had.
    pub async fn download(&self, method: Method, path: &str, query: Option<&str>) -> Result<Vec<u8>, Error> {
        let url = self.url(path, &[query.unwrap_or_default(), &self.query]);
        let answer = self.execute(method, url, true, Payload::<()>::None, "*/*").await?;
        Ok(answer.body)
    }

    /// Sends bytes of the given media type as the body (a file's new content, a photo) and
    /// decodes a JSON response body into `R` (`()` for none), as [`Client::send_json`] does.
    ///
    /// # Errors
    ///
    /// The same as [`Client::send_json`].
    pub async fn upload<R>(
        &self,
        method: Method,
        path: &str,
        query: Option<&str>,
        content_type: &str,
        content: &[u8],
    ) -> Result<R, Error>
    where
        R: DeserializeOwned,
    {
        let url = self.url(path, &[query.unwrap_or_default(), &self.query]);
        let body: Payload<()> = Payload::Bytes { content_type, content };
        let answer = self.execute(method, url, true, body, JSON).await?;
        decode_json(answer.status, answer.body)
    }

    /// Fetches the page that `page.next_link` points to, or returns `Ok(None)` on the last page.
    ///
    /// The link is an absolute URL chosen by the service, so the bearer token is only sent when
    /// the link has the same scheme, host and port as the base URL; this keeps the token from
    /// leaking to another host. A link that is not absolute is treated as a path under the base URL.
    ///
    /// # Errors
    ///
    /// The same as [`Client::send_json`].
    pub async fn next_page<T>(&self, page: &Collection<T>) -> Result<Option<Collection<T>>, Error>
    where
        T: DeserializeOwned,
    {
        match page.next_link.as_deref() {
            Some(link) => self.follow_link(link).await.map(Some),
            None => Ok(None),
        }
    }

    /// Fetches the page a link of the service points to: a next link, or the delta link that
    /// the last page of a delta query gives ([`Collection::delta_link`]), kept until it is time
    /// to ask for what changed since. The link is sent as it is, without this client's query
    /// options, which it already carries; the token goes with it only to the service's own host,
    /// as [`Client::next_page`] explains.
    ///
    /// # Errors
    ///
    /// The same as [`Client::send_json`].
    pub async fn follow_link<T>(&self, link: &str) -> Result<Collection<T>, Error>
    where
        T: DeserializeOwned,
    {
        self.get_link(link).await
    }

    /// Fetches what any link the service gave points to and decodes its JSON into `R`: the
    /// [`Accepted::location`] of work the service does later, polled until it is done, as well
    /// as the next and delta links [`Client::follow_link`] reads. The token goes with it only to
    /// the service's own host, as [`Client::next_page`] explains, so a drive item's copy monitor
    /// (another host, which wants none) is asked without it.
    ///
    /// ```no_run
    /// # use docgen_runtime::{Client, Error, Method};
    /// # async fn run(client: Client, copy: serde_json::Value) -> Result<(), Error> {
    /// let path = "/me/drive/items/01ABC/copy";
    /// let accepted = client.send_accepted(Method::POST, path, None, Some(&copy)).await?;
    /// if let Some(monitor) = accepted.location {
    ///     let status: serde_json::Value = client.get_link(&monitor).await?;
    ///     println!("{}", status["status"]); // "inProgress", then "completed"
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// The same as [`Client::send_json`].
    pub async fn get_link<R>(&self, link: &str) -> Result<R, Error>
    where
        R: DeserializeOwned,
    {
        let (url, same_origin) = if link.starts_with("https://") || link.starts_with("http://") {
            let same_origin = origin(link).eq_ignore_ascii_case(origin(&self.base_url));
            (link.to_owned(), same_origin)
        } else {
            (self.url(link, &[]), true)
        };
        let Answer { status, body: text, .. } =
            self.execute(Method::GET, url, same_origin, Payload::<()>::None, JSON).await?;
        decode_json(status, text)
    }

    /// Follows the next links from `first` to the last page and returns the items of every page,
    /// `first`'s included, in order: `client.all_items(client.list_users().await?).await?`.
    ///
    /// # Errors
    ///
    /// The first error of [`Client::next_page`]; the items read until then are dropped with it.
    pub async fn all_items<T>(&self, first: Collection<T>) -> Result<Vec<T>, Error>
    where
        T: DeserializeOwned,
    {
        self.all_items_and_delta_link(first).await.map(|(items, _)| items)
    }

    /// [`Client::all_items`] for a round of a delta query: the items of every page, and the delta
    /// link of the last, to give [`Client::follow_link`] for the next round, which returns only
    /// what changed since this one.
    ///
    /// ```no_run
    /// # use docgen_runtime::{Client, Collection, Error, Method};
    /// # async fn run(client: Client) -> Result<(), Error> {
    /// let first: Collection<serde_json::Value> =
    ///     client.send_json::<(), _>(Method::GET, "/users/delta", None, None).await?;
    /// let (users, delta) = client.all_items_and_delta_link(first).await?;
    /// // Later: only the users added, changed or removed since.
    /// if let Some(delta) = delta {
    ///     let changes = client.follow_link::<serde_json::Value>(&delta).await?;
    ///     let (changed, next_delta) = client.all_items_and_delta_link(changes).await?;
    /// #   let _ = (users, changed, next_delta);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// The first error of [`Client::next_page`]; the items read until then are dropped with it.
    pub async fn all_items_and_delta_link<T>(&self, first: Collection<T>) -> Result<(Vec<T>, Option<String>), Error>
    where
        T: DeserializeOwned,
    {
        let mut page = first;
        let mut items = Vec::new();
        loop {
            let next = self.next_page(&page).await?;
            items.append(&mut page.value);
            match next {
                Some(next) => page = next,
                None => return Ok((items, page.delta_link().map(str::to_owned))),
            }
        }
    }

    /// Sends the requests of `batch` in `POST /$batch` calls of at most [`Batch::LIMIT`] each, one
    /// after the other, and returns their answers, each read by the id [`Batch::add`] gave its
    /// request.
    ///
    /// The [`Retry`] policy applies twice: to each call, as to any other, and to the requests
    /// in it that the service throttled or was too busy for, which go again in a call of their
    /// own (with those that depend on them) after the wait their `Retry-After` names.
    ///
    /// # Errors
    ///
    /// The errors of [`Client::send_json`] for a batch call, and [`Error::Decode`] when its answer
    /// is not a batch's; the answers of the calls before it are dropped then.
    pub async fn send_batch(&self, batch: &Batch) -> Result<BatchResponses, Error> {
        let mut answers = BatchResponses::new(batch.len());
        for mut sent in batch.calls() {
            let mut retries = 0;
            while let Some(body) = batch.wire(&sent, &mut answers, &self.query, &self.headers) {
                let url = self.url("/$batch", &[]);
                let Answer { status, body: text, .. } =
                    self.execute(Method::POST, url, true, Payload::Json(&body), JSON).await?;
                answers.read(status, &text, &sent)?;
                let now = std::time::SystemTime::now();
                let (again, after) = batch.to_retry(&sent, &answers, may_retry, |value| retry_after(value, now));
                let Some(wait) = self.retry.wait(retries, after).filter(|_| !again.is_empty()) else {
                    break;
                };
                tokio::time::sleep(wait).await;
                retries += 1;
                sent = again;
            }
        }
        Ok(answers)
    }

    /// Joins the base URL, the path and the non-empty queries; a missing leading '/' is supplied
    /// so that a careless path cannot glue itself onto the last segment of the base URL.
    fn url(&self, path: &str, queries: &[&str]) -> String {
        let mut url = String::with_capacity(self.base_url.len() + path.len() + 1);
        url.push_str(&self.base_url);
        if !path.is_empty() && !path.starts_with('/') {
            url.push('/');
        }
        url.push_str(path);
        let mut query = String::new();
        for part in queries {
            push_query(&mut query, part);
        }
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }
        url
    }

    /// Sends one request, again as [`Retry`] allows while the service throttles it or is briefly
    /// unavailable, and returns the status and body of a 2xx response; any other status becomes
    /// [`Error::Api`] or [`Error::Status`]. `accept` is the `Accept` header.
    async fn execute<B>(
        &self,
        method: Method,
        url: String,
        send_token: bool,
        body: Payload<'_, B>,
        accept: &str,
    ) -> Result<Answer, Error>
    where
        B: Serialize + ?Sized,
    {
        let http = match &self.http {
            Some(http) => http.clone(),
            None => default_http_client().map_err(Error::Transport)?,
        };
        let mut retries = 0;
        loop {
            // reqwest defers URL, header and body errors to `send`, so they surface as
            // `Error::Transport` rather than as panics here. The request is built again for each
            // attempt; the body is serialised again from `body`, so nothing has to be rewound.
            let mut request = http.request(method.clone(), url.as_str()).header(reqwest::header::ACCEPT, accept);
            if send_token {
                if let Some(token) = self.bearer_token.as_deref() {
                    request = request.bearer_auth(token);
                }
                for (name, value) in &self.headers {
                    request = request.header(name.as_str(), value.as_str());
                }
            }
            match body {
                // `json` also sets `Content-Type: application/json`.
                Payload::Json(body) => request = request.json(body),
                Payload::Bytes { content_type, content } => {
                    request = request.header(reqwest::header::CONTENT_TYPE, content_type).body(content.to_vec());
                }
                // Graph answers 411 Length Required to a body-less POST, PUT or PATCH that lacks
                // `Content-Length`, and an empty body alone does not make hyper send one.
                Payload::None if method_expects_body(&method) => {
                    request = request.header(reqwest::header::CONTENT_LENGTH, "0");
                }
                Payload::None => {}
            }
            let response = request.send().await.map_err(Error::Transport)?;
            let status = response.status();
            let wait = if may_retry(status.as_u16(), &method) {
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| retry_after(value, std::time::SystemTime::now()));
                self.retry.wait(retries, retry_after)
            } else {
                None
            };
            let location = location_of(response.headers());
            let bytes = response.bytes().await.map_err(Error::Transport)?.to_vec();
            if status.is_success() {
                return Ok(Answer { status: status.as_u16(), location, body: bytes });
            }
            match wait {
                // The body was read to the end first, so that the connection can serve the next try.
                Some(wait) => {
                    tokio::time::sleep(wait).await;
                    retries += 1;
                }
                None => return Err(Error::from_failure(status.as_u16(), String::from_utf8_lossy(&bytes).into_owned())),
            }
        }
    }
}

/// The answer to a request that the service accepted for later work: a `202 Accepted` whose
/// docs show no body (see [`Client::send_accepted`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Accepted {
    /// The answer's status: 202, or another 2xx the service chose.
    pub status: u16,
    /// Where to follow the work, as the service gave it: the `Location` header, else
    /// `Operation-Location` (OneNote's copies). [`Client::get_link`] reads it: a drive item's
    /// copy gives a monitor of another host, which takes no token; other services, a Graph URL.
    pub location: Option<String>,
}

/// A successful answer, read to the end.
struct Answer {
    status: u16,
    /// See [`Accepted::location`].
    location: Option<String>,
    body: Vec<u8>,
}

impl Answer {
    /// What a caller of accepted work keeps of the answer.
    fn accepted(self) -> Accepted {
        Accepted { status: self.status, location: self.location }
    }
}

/// The `Location` header, else `Operation-Location`, when it is text.
fn location_of(headers: &reqwest::header::HeaderMap) -> Option<String> {
    [reqwest::header::LOCATION.as_str(), "operation-location"]
        .iter()
        .find_map(|name| headers.get(*name).and_then(|v| v.to_str().ok()))
        .map(str::to_owned)
}

impl fmt::Debug for Client {
    /// Shows the configuration but never the token, so that logging a client cannot leak it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field("bearer_token", &self.bearer_token.as_ref().map(|_| "<redacted>"))
            .field("retry", &self.retry)
            .field("query", &self.query)
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

/// Builds the client used when the caller supplies none; the user agent names the crate this
/// file is compiled into, which for a generated SDK is the SDK itself.
fn default_http_client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder().user_agent(concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"))).build()
}

/// OData query options for [`Client::with_query`]: `$select`, `$filter`, `$top` and the others
/// that Microsoft Graph's reference pages list under "Optional query parameters", plus any other
/// parameter with [`Query::param`].
///
/// Each option is percent-encoded as it is added, so values are written as the docs show them:
/// `Query::new().filter("startswith(displayName,'a b')")`. The options keep the order they were
/// added in; adding one twice sends it twice, as the caller asked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Query {
    encoded: String,
}

impl Query {
    /// No options.
    pub fn new() -> Query {
        Query::default()
    }

    /// `$select`: only these properties, joined with commas.
    #[must_use]
    pub fn select<I, S>(self, properties: I) -> Query
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut joined = String::new();
        for property in properties {
            if !joined.is_empty() {
                joined.push(',');
            }
            joined.push_str(property.as_ref());
        }
        self.param("$select", &joined)
    }

    /// `$expand`: related entities to include, such as `members($select=id)`.
    #[must_use]
    pub fn expand(self, expand: &str) -> Query {
        self.param("$expand", expand)
    }

    /// `$filter`: an OData filter expression, such as `startswith(displayName,'a')`.
    #[must_use]
    pub fn filter(self, filter: &str) -> Query {
        self.param("$filter", filter)
    }

    /// `$orderby`: properties to sort by, such as `displayName desc`.
    #[must_use]
    pub fn order_by(self, order_by: &str) -> Query {
        self.param("$orderby", order_by)
    }

    /// `$search`: a search expression, such as `"displayName:room"` (quotes included).
    #[must_use]
    pub fn search(self, search: &str) -> Query {
        self.param("$search", search)
    }

    /// `$top`: at most this many items per page.
    #[must_use]
    pub fn top(self, top: u32) -> Query {
        self.param("$top", &top.to_string())
    }

    /// `$skip`: skip this many items.
    #[must_use]
    pub fn skip(self, skip: u32) -> Query {
        self.param("$skip", &skip.to_string())
    }

    /// `$count`: whether to include the total count (see [`Collection::count`]).
    #[must_use]
    pub fn count(self, count: bool) -> Query {
        self.param("$count", if count { "true" } else { "false" })
    }

    /// Any other parameter, such as `$format` or a function's `startDateTime`.
    #[must_use]
    pub fn param(mut self, name: &str, value: &str) -> Query {
        if !self.encoded.is_empty() {
            self.encoded.push('&');
        }
        encode_query_part(&mut self.encoded, name);
        self.encoded.push('=');
        encode_query_part(&mut self.encoded, value);
        self
    }

    /// The encoded query, without the leading '?'.
    pub fn as_str(&self) -> &str {
        &self.encoded
    }

    /// Whether no option was added.
    pub fn is_empty(&self) -> bool {
        self.encoded.is_empty()
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encoded)
    }
}

/// Appends an encoded query to another with '&', skipping empty ones.
pub(super) fn push_query(query: &mut String, part: &str) {
    let part = part.trim_start_matches('?');
    if part.is_empty() {
        return;
    }
    if !query.is_empty() {
        query.push('&');
    }
    query.push_str(part);
}

/// Percent-encodes a value for a query option as [`Query::param`] does: for the placeholders of a
/// documented path's query (`?startDateTime={start_datetime}`), which a generated method fills
/// in from its arguments.
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    encode_query_part(&mut out, value);
    out
}

/// Percent-encodes a query parameter's name or value: RFC 3986 `pchar`s, '/' and '?' stay as they
/// are, so that `$`, `(`, `)`, ',' and ':' read in logs as in the docs, except '&', '=' and '+',
/// which would split the pair or read as a space, and `'`, which the URL parser reqwest uses
/// encodes in every `http` query anyway; every other byte becomes `%XX`.
fn encode_query_part(out: &mut String, text: &str) {
    encode_bytes(out, text, |byte| {
        (is_segment_byte(byte) && !matches!(byte, b'&' | b'=' | b'+' | b'\'')) || matches!(byte, b'/' | b'?')
    });
}

/// How a request is sent again when the service throttles it (`429 Too Many Requests`) or is
/// briefly unavailable (`503 Service Unavailable`, and `504 Gateway Timeout` for the methods that
/// may safely run twice).
///
/// Microsoft Graph's guidance for both is to wait as long as the `Retry-After` header says and
/// try again. That wait is honoured when the service gives one, as seconds or as an HTTP date;
/// otherwise the waits double from the first delay, and never exceed the longest delay. When the
/// service asks for a longer wait than that, or the retries are used up, its answer is returned
/// as the error it is, so the caller can decide.
///
/// A `429` or a `503` means the service did not act on the request, so any method is tried again;
/// after a `504` a gateway gave up waiting for a backend that may still have done the work, so
/// only `GET`, `HEAD`, `OPTIONS`, `PUT` and `DELETE` are.
///
/// The default makes 3 retries, waits 1 s, then 2 s, then 4 s when the service names no wait, and
/// waits at most 180 s. The waits use tokio's timer, which the runtime driving the client must
/// enable (`#[tokio::main]` does); a request that is never retried does not touch it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    max_retries: u32,
    first_delay: std::time::Duration,
    max_delay: std::time::Duration,
}

impl Retry {
    /// No retries: every throttling or unavailability answer is returned as an error at once.
    pub const fn none() -> Retry {
        Retry { max_retries: 0, ..Retry::DEFAULT }
    }

    /// The default policy with `max_retries` retries.
    pub const fn new(max_retries: u32) -> Retry {
        Retry { max_retries, ..Retry::DEFAULT }
    }

    /// The wait before the first retry when the service names none; each later one doubles it.
    #[must_use]
    pub const fn with_first_delay(self, first_delay: std::time::Duration) -> Retry {
        Retry { first_delay, ..self }
    }

    /// The longest wait before a retry: a doubled delay stops growing there, and a `Retry-After`
    /// beyond it ends the retries.
    #[must_use]
    pub const fn with_max_delay(self, max_delay: std::time::Duration) -> Retry {
        Retry { max_delay, ..self }
    }

    /// How many times a request may be sent again.
    pub const fn max_retries(&self) -> u32 {
        self.max_retries
    }

    const DEFAULT: Retry = Retry {
        max_retries: 3,
        first_delay: std::time::Duration::from_secs(1),
        max_delay: std::time::Duration::from_secs(180),
    };

    /// The wait before retry number `done + 1`, given the service's `Retry-After`, or `None`
    /// when there is to be no such retry.
    fn wait(&self, done: u32, retry_after: Option<std::time::Duration>) -> Option<std::time::Duration> {
        if done >= self.max_retries {
            return None;
        }
        match retry_after {
            Some(wait) => (wait <= self.max_delay).then_some(wait),
            None => {
                let doubled = self.first_delay.saturating_mul(2_u32.saturating_pow(done));
                Some(doubled.min(self.max_delay))
            }
        }
    }
}

impl Default for Retry {
    fn default() -> Retry {
        Retry::DEFAULT
    }
}

/// Whether an answer with this status may be retried for this method; see [`Retry`].
fn may_retry(status: u16, method: &Method) -> bool {
    match status {
        429 | 503 => true,
        504 => matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::PUT | Method::DELETE),
        _ => false,
    }
}

/// Reads a `Retry-After` value, either whole seconds or an HTTP date (RFC 9110, section 10.2.3),
/// as the time to wait from `now`; a date already past means no wait. Anything else is ignored,
/// and the policy's own delay applies.
fn retry_after(value: &str, now: std::time::SystemTime) -> Option<std::time::Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|byte| byte.is_ascii_digit()) {
        // Too many digits for a u64 is a wait longer than any policy allows.
        let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(std::time::Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or_default())
}

/// Whether a request with this method is expected to carry a body, so that an empty one must be
/// announced with `Content-Length: 0`.
fn method_expects_body(method: &Method) -> bool {
    *method == Method::POST || *method == Method::PUT || *method == Method::PATCH
}

/// The `Accept` header of a request for JSON.
const JSON: &str = "application/json";

/// What a request carries: nothing, a value sent as JSON, or bytes of a media type.
enum Payload<'a, B: ?Sized> {
    None,
    Json(&'a B),
    Bytes { content_type: &'a str, content: &'a [u8] },
}

impl<'a, B: ?Sized> Payload<'a, B> {
    fn json(body: Option<&'a B>) -> Payload<'a, B> {
        body.map_or(Payload::None, Payload::Json)
    }
}

/// Decodes a 2xx body, keeping the text on failure so that callers can see what was sent. An
/// empty body (a `202 Accepted` of an action the docs give no response type) reads as JSON
/// `null`: untyped and optional results get `null`/`None`, and a struct still fails to decode.
fn decode_json<R: DeserializeOwned>(status: u16, body: Vec<u8>) -> Result<R, Error> {
    let blank = body.iter().all(u8::is_ascii_whitespace);
    match serde_json::from_slice(if blank { b"null" } else { &body }) {
        Ok(value) => Ok(value),
        Err(source) => Err(Error::Decode { status, body: String::from_utf8_lossy(&body).into_owned(), source }),
    }
}

/// The `scheme://host:port` prefix of an absolute URL, used to decide whether a link stays on
/// the service's own host.
fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |at| at + 3);
    let end = url[after_scheme..].find(['/', '?', '#']).map_or(url.len(), |at| after_scheme + at);
    &url[..end]
}

/// The error of every call.
#[derive(Debug)]
pub enum Error {
    /// The service answered with a non-2xx status and a Graph error body
    /// `{"error": {"code", "message", "innerError"?, "details"?, "target"?}}`.
    Api {
        /// The HTTP status code.
        status: u16,
        /// The decoded `error` object, boxed because it is several times larger than the other
        /// variants and every `Result` of the SDK carries this enum.
        error: Box<GraphError>,
    },
    /// The service answered with a non-2xx status whose body is not a Graph error.
    Status {
        /// The HTTP status code.
        status: u16,
        /// The response body as text, possibly empty.
        body: String,
    },
    /// The service answered with a 2xx status, but the body is not the documented JSON.
    Decode {
        /// The HTTP status code.
        status: u16,
        /// The response body as text.
        body: String,
        /// Why the body did not decode.
        source: serde_json::Error,
    },
    /// The request could not be built or sent, or the response could not be read
    /// (connection, TLS, timeout, invalid URL, unserializable body).
    Transport(reqwest::Error),
}

impl Error {
    /// The HTTP status of the response, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::Status { status, .. } | Error::Decode { status, .. } => Some(*status),
            Error::Transport(error) => error.status().map(|status| status.as_u16()),
        }
    }

    /// The Graph error object, when the service sent one.
    pub fn graph_error(&self) -> Option<&GraphError> {
        match self {
            Error::Api { error, .. } => Some(&**error),
            _ => None,
        }
    }

    /// Classifies a non-2xx response: a body of the form `{"error": {...}}` is a Graph error,
    /// anything else is kept as text.
    pub(super) fn from_failure(status: u16, body: String) -> Error {
        #[derive(Deserialize)]
        struct Envelope {
            error: GraphError,
        }
        match serde_json::from_str::<Envelope>(&body) {
            Ok(envelope) => Error::Api { status, error: Box::new(envelope.error) },
            Err(_) => Error::Status { status, body },
        }
    }
}

impl fmt::Display for Error {
    /// Describes this error alone; the underlying cause is reachable through `source()`, as the
    /// standard error conventions ask, so that reports do not print it twice.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api { status, error } => {
                write!(f, "HTTP {status}: {}", error.code)?;
                if !error.message.is_empty() {
                    write!(f, ": {}", error.message)?;
                }
                Ok(())
            }
            Error::Status { status, body } => {
                write!(f, "HTTP {status}")?;
                let excerpt = excerpt(body, 200);
                if !excerpt.is_empty() {
                    write!(f, ": {excerpt}")?;
                }
                Ok(())
            }
            Error::Decode { status, .. } => {
                write!(f, "HTTP {status}: the response body is not the expected JSON")
            }
            Error::Transport(_) => write!(f, "the HTTP request failed"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Decode { source, .. } => Some(source),
            Error::Transport(error) => Some(error),
            Error::Api { .. } | Error::Status { .. } => None,
        }
    }
}

/// The first `max_chars` characters of a trimmed body, so that an HTML error page does not flood
/// a log line; cutting at a character boundary keeps the slice valid UTF-8.
fn excerpt(body: &str, max_chars: usize) -> &str {
    let body = body.trim();
    match body.char_indices().nth(max_chars) {
        Some((end, _)) => &body[..end],
        None => body,
    }
}

/// Percent-encodes a value for use as one path segment.
///
/// RFC 3986 unreserved characters, the sub-delimiters `!$&'()*+,;=`, ':' and '@' are kept, since
/// they are legal inside a segment and Graph's key syntax `('abc')` relies on them; every other
/// byte becomes `%XX`, including '/', '?', '#', '%', space and each UTF-8 byte of non-ASCII text.
pub fn encode_path_param(value: &str) -> String {
    percent_encode(value, false)
}

/// Percent-encodes like [`encode_path_param`] but keeps '/', for Graph's `root:/{item-path}:`
/// addressing where the value is itself a path.
pub fn encode_path_param_keep_slashes(value: &str) -> String {
    percent_encode(value, true)
}

fn percent_encode(value: &str, keep_slashes: bool) -> String {
    let mut encoded = String::with_capacity(value.len());
    encode_bytes(&mut encoded, value, |byte| is_segment_byte(byte) || (keep_slashes && byte == b'/'));
    encoded
}

/// Appends `text` to `out`, each byte that `keep` refuses written as `%XX`.
fn encode_bytes(out: &mut String, text: &str, keep: impl Fn(u8) -> bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in text.as_bytes() {
        if keep(byte) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0F)]));
        }
    }
}

/// Whether a byte may appear unencoded in a path segment (RFC 3986 `pchar` minus `%`).
fn is_segment_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric()
        || matches!(
            byte,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'@'
        )
}
