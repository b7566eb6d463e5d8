//! JSON batching: several requests in one `POST /$batch`, and their answers read back by the id
//! each request was given, as Microsoft Graph's batching takes them.
//!
//! It is compiled with the `client` feature only, beside `http`, which sends the batch
//! ([`Client::send_batch`](super::Client::send_batch)).

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::http::{Error, Method, push_query};

/// Requests to send together with [`Client::send_batch`](super::Client::send_batch), in one round
/// trip instead of one per request.
///
/// Each request is written as the generated methods' documentation shows it: a method, a path
/// from the service root (`/me/messages`), already percent-encoded (see
/// [`encode_path_param`](super::encode_path_param)), and an optional encoded query. Microsoft
/// Graph runs the requests of a batch in any order, and concurrently, unless one
/// [depends on](Batch::depends_on) another. It takes at most [`Batch::LIMIT`] of them in one
/// call, so a larger batch goes in several calls, one after the other, in the order the
/// requests were added.
///
/// ```no_run
/// # use docgen_runtime::{Batch, Client, Error, Method};
/// # async fn run(client: Client) -> Result<(), Error> {
/// let mut batch = Batch::new();
/// let me = batch.add(Method::GET, "/me", Some("$select=id,displayName"));
/// let mail = batch.add_json(Method::POST, "/me/sendMail", None, &serde_json::json!({"message": {}}))
///     .expect("a JSON value always serializes");
/// batch.depends_on(mail, me);
/// let answers = client.send_batch(&batch).await?;
/// let user: serde_json::Value = answers.json(me)?;
/// answers.json::<()>(mail)?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Batch {
    requests: Vec<Step>,
}

/// One request of a batch, as [`Batch`] keeps it until it is sent.
#[derive(Debug, Clone)]
struct Step {
    method: Method,
    /// From the service root, with a leading '/'.
    path: String,
    /// Encoded, without '?'; empty when there is none.
    query: String,
    headers: Vec<(String, String)>,
    body: Option<serde_json::Value>,
    depends_on: Vec<BatchId>,
}

/// A request as `POST /$batch` sends it.
#[derive(Serialize)]
struct WireRequest<'a> {
    id: String,
    method: &'a str,
    url: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    headers: BTreeMap<&'a str, &'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    body: Option<&'a serde_json::Value>,
    #[serde(rename = "dependsOn", skip_serializing_if = "Vec::is_empty")]
    depends_on: Vec<String>,
}

impl Step {
    /// This request as the call of the requests `sent` sends it, as `id`, with the client's query
    /// options and headers; a dependency answered in an earlier call is left out.
    fn wire<'a>(
        &'a self,
        id: BatchId,
        sent: &[usize],
        query: &str,
        headers: &'a [(String, String)],
    ) -> WireRequest<'a> {
        // The request's own options first, then the client's, as `Client::url` joins them.
        let mut options = self.query.clone();
        push_query(&mut options, query);
        let url = if options.is_empty() { self.path.clone() } else { format!("{}?{options}", self.path) };
        // Header names are case-blind: the request's own value replaces the client's, whatever
        // the case of either name.
        let mut all: BTreeMap<&str, &str> = BTreeMap::new();
        for (name, value) in headers.iter().chain(&self.headers) {
            all.retain(|kept, _| !kept.eq_ignore_ascii_case(name));
            all.insert(name.as_str(), value.as_str());
        }
        if self.body.is_some() && !all.keys().any(|name| name.eq_ignore_ascii_case("content-type")) {
            all.insert("Content-Type", "application/json");
        }
        WireRequest {
            id: id.wire(),
            method: self.method.as_str(),
            url,
            headers: all,
            body: self.body.as_ref(),
            // Those answered in earlier calls have succeeded by now.
            depends_on: self.depends_on.iter().filter(|d| sent.contains(&d.0)).map(|d| d.wire()).collect(),
        }
    }
}

/// A request of a [`Batch`], by which its answer is read from [`BatchResponses`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BatchId(usize);

impl BatchId {
    /// The id the request has on the wire: its place in the batch, from `"1"`.
    fn wire(self) -> String {
        (self.0 + 1).to_string()
    }
}

impl Batch {
    /// The most requests Microsoft Graph takes in one batch.
    pub const LIMIT: usize = 20;

    /// An empty batch.
    pub fn new() -> Batch {
        Batch::default()
    }

    /// Adds a request without a body.
    pub fn add(&mut self, method: Method, path: &str, query: Option<&str>) -> BatchId {
        self.push(method, path, query, None)
    }

    /// Adds a request whose body is `body` as JSON.
    ///
    /// # Errors
    ///
    /// When `body` cannot be represented as JSON (a map with keys that are not strings); nothing
    /// is added then.
    pub fn add_json<B>(
        &mut self,
        method: Method,
        path: &str,
        query: Option<&str>,
        body: &B,
    ) -> Result<BatchId, serde_json::Error>
    where
        B: Serialize + ?Sized,
    {
        let body = serde_json::to_value(body)?;
        Ok(self.push(method, path, query, Some(body)))
    }

    fn push(&mut self, method: Method, path: &str, query: Option<&str>, body: Option<serde_json::Value>) -> BatchId {
        let path = if path.starts_with('/') { path.to_owned() } else { format!("/{path}") };
        let mut own = String::new();
        push_query(&mut own, query.unwrap_or_default());
        let id = BatchId(self.requests.len());
        self.requests.push(Step { method, path, query: own, headers: Vec::new(), body, depends_on: Vec::new() });
        id
    }

    /// Sends a header with one request of the batch (`If-Match`, `Prefer`). A request with a
    /// body gets `Content-Type: application/json` without asking. An id this batch did not give
    /// (one of another batch) is ignored.
    pub fn header(&mut self, id: BatchId, name: impl Into<String>, value: impl Into<String>) -> &mut Batch {
        if let Some(step) = self.requests.get_mut(id.0) {
            step.headers.push((name.into(), value.into()));
        }
        self
    }

    /// Runs `id` only once `first`, a request added before it, has succeeded; `id` is answered
    /// `424 Failed Dependency` when `first` fails. A `first` added after `id` is not a
    /// dependency it can have, and is ignored: requests are sent in the order they were added.
    ///
    /// When the two go in different calls (more than [`Batch::LIMIT`] requests), `first` has
    /// been answered before `id` is sent, and the client gives `id` its `424` itself.
    pub fn depends_on(&mut self, id: BatchId, first: BatchId) -> &mut Batch {
        let step = self.requests.get_mut(id.0).filter(|_| first < id);
        if let Some(step) = step.filter(|step| !step.depends_on.contains(&first)) {
            step.depends_on.push(first);
        }
        self
    }

    /// How many requests the batch holds.
    pub fn len(&self) -> usize {
        self.requests.len()
    }

    /// Whether the batch holds no request.
    pub fn is_empty(&self) -> bool {
        self.requests.is_empty()
    }

    /// The calls that send the batch: runs of at most [`Batch::LIMIT`] requests, in order, each
    /// as the places of its requests.
    pub(super) fn calls(&self) -> impl Iterator<Item = Vec<usize>> + use<> {
        let len = self.requests.len();
        (0..len).step_by(Batch::LIMIT).map(move |start| (start..(start + Batch::LIMIT).min(len)).collect())
    }

    /// The body of the `POST /$batch` that sends the requests `sent` (places, ascending), given
    /// the answers had so far. A request whose dependency outside `sent` failed is not sent: it is
    /// answered `424` in `answers` here, as the service would answer it. The client's own query
    /// options and headers (those of `with_query` and `with_header`) go with every request, as
    /// they go with every call it makes alone; the token goes only with the batch call, which
    /// the service applies to each. `None` when nothing is left to send.
    pub(super) fn wire(
        &self,
        sent: &[usize],
        answers: &mut BatchResponses,
        query: &str,
        headers: &[(String, String)],
    ) -> Option<serde_json::Value> {
        let mut requests: Vec<WireRequest<'_>> = Vec::new();
        for &n in sent {
            let Some(step) = self.requests.get(n) else { continue };
            let failed = step.depends_on.iter().find(|d| !sent.contains(&d.0) && !answers.succeeded(**d));
            match (failed, answers.answers.get_mut(n)) {
                (Some(first), Some(slot)) => *slot = Some(Answer::failed_dependency(*first)),
                _ => requests.push(step.wire(BatchId(n), sent, query, headers)),
            }
        }
        (!requests.is_empty()).then(|| serde_json::json!({ "requests": requests }))
    }

    /// Of the requests just `sent`, those to send again: the ones the service throttled or was
    /// too busy to run (as [`Retry`](super::Retry) decides for a call of their method), and the
    /// ones answered `424` because such a request failed. With the longest `Retry-After` they
    /// were given, when any was.
    pub(super) fn to_retry(
        &self,
        sent: &[usize],
        answers: &BatchResponses,
        may_retry: impl Fn(u16, &Method) -> bool,
        retry_after: impl Fn(&str) -> Option<std::time::Duration>,
    ) -> (Vec<usize>, Option<std::time::Duration>) {
        let mut again: Vec<usize> = Vec::new();
        let mut wait = None;
        // Dependencies come before their dependents, so one pass in order finds whole chains.
        for &n in sent {
            let (Some(step), Some(status)) = (self.requests.get(n), answers.status(BatchId(n))) else { continue };
            let throttled = may_retry(status, &step.method);
            let blocked = status == 424 && step.depends_on.iter().any(|d| again.contains(&d.0));
            if throttled {
                let after = answers.header(BatchId(n), "retry-after").and_then(&retry_after);
                wait = wait.max(after);
            }
            if throttled || blocked {
                again.push(n);
            }
        }
        (again, wait)
    }
}

/// The answers to a [`Batch`], each read by the [`BatchId`] its request was given.
///
/// The batch calls themselves succeeded; each request has a status of its own. Requests the
/// service throttled (`429`) or was too busy for (`503`) were sent again, with those that
/// depend on them, as the client's [`Retry`](super::Retry) policy sends a call again; the
/// answers are the last ones had.
#[derive(Debug, Clone)]
pub struct BatchResponses {
    /// The status of the last batch call.
    status: u16,
    /// By request, in the order they were added.
    answers: Vec<Option<Answer>>,
}

#[derive(Debug, Clone, Deserialize)]
struct Answer {
    status: u16,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    body: serde_json::Value,
}

impl Answer {
    /// What the service answers a request whose dependency `first` failed.
    fn failed_dependency(first: BatchId) -> Answer {
        let message = format!("request {} failed, and this one depends on it", first.wire());
        Answer {
            status: 424,
            headers: BTreeMap::new(),
            body: serde_json::json!({"error": {"code": "failedDependency", "message": message}}),
        }
    }
}

impl BatchResponses {
    /// No answers yet, for a batch of `count` requests.
    pub(super) fn new(count: usize) -> BatchResponses {
        BatchResponses { status: 200, answers: vec![None; count] }
    }

    /// Whether the request has a 2xx answer.
    fn succeeded(&self, id: BatchId) -> bool {
        self.status(id).is_some_and(|s| (200..300).contains(&s))
    }

    /// Reads the answer of the batch call that sent the requests `sent`.
    pub(super) fn read(&mut self, status: u16, body: &[u8], sent: &[usize]) -> Result<(), Error> {
        #[derive(Deserialize)]
        struct Wire {
            responses: Vec<WireAnswer>,
        }
        #[derive(Deserialize)]
        struct WireAnswer {
            id: String,
            #[serde(flatten)]
            answer: Answer,
        }
        let wire: Wire = serde_json::from_slice(body).map_err(|source| Error::Decode {
            status,
            body: String::from_utf8_lossy(body).into_owned(),
            source,
        })?;
        self.status = status;
        for w in wire.responses {
            // Ids are the requests' places from 1; one this call did not send is ignored.
            let place = w.id.parse::<usize>().ok().and_then(|n| n.checked_sub(1)).filter(|p| sent.contains(p));
            if let Some(slot) = place.and_then(|p| self.answers.get_mut(p)) {
                *slot = Some(w.answer);
            }
        }
        Ok(())
    }

    /// The status the service gave the request, or `None` when the batch's answer left it out.
    pub fn status(&self, id: BatchId) -> Option<u16> {
        self.answer(id).map(|a| a.status)
    }

    /// A header of the request's answer (`Location`, `Retry-After`), its name in any case.
    pub fn header(&self, id: BatchId, name: &str) -> Option<&str> {
        let answer = self.answer(id)?;
        answer.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body of the request's answer as JSON (`null` when it had none; a body that is not
    /// JSON, such as a photo, comes base64-encoded in a string).
    pub fn body(&self, id: BatchId) -> Option<&serde_json::Value> {
        self.answer(id).map(|a| &a.body)
    }

    /// Decodes the request's answer into `R` (`()` for none), as the client's own calls do.
    ///
    /// # Errors
    ///
    /// [`Error::Api`] or [`Error::Status`] for a non-2xx answer (a `424 Failed Dependency` when
    /// a request it depends on failed), and [`Error::Decode`] when a 2xx body is not JSON of type
    /// `R`, or when the batch's answer left the request out.
    pub fn json<R: DeserializeOwned>(&self, id: BatchId) -> Result<R, Error> {
        let Some(answer) = self.answer(id) else {
            return Err(Error::Decode {
                status: self.status,
                body: String::new(),
                source: serde::de::Error::custom(format!("the batch's answer has no response with id {}", id.wire())),
            });
        };
        if !self.succeeded(id) {
            let body = if answer.body.is_null() { String::new() } else { answer.body.to_string() };
            return Err(Error::from_failure(answer.status, body));
        }
        R::deserialize(&answer.body).map_err(|source| Error::Decode {
            status: answer.status,
            body: answer.body.to_string(),
            source,
        })
    }

    fn answer(&self, id: BatchId) -> Option<&Answer> {
        self.answers.get(id.0).and_then(Option::as_ref)
    }
}
