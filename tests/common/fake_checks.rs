// The Checks API of the fake GitHub (tests/common/fake_github.rs routes to it): create,
// update and list-for-ref of check runs, and a check run's annotations, answering in
// GitHub's JSON shapes (the check-run object of the REST docs: app, check_suite,
// pull_requests, output with annotations_count/annotations_url). Updates append
// annotations, as GitHub does; more than 50 in one request is GitHub's 422.

/// The fake's check runs.
#[derive(Default)]
pub struct Checks {
    pub runs: Vec<Value>,
    /// Annotations per check-run id, in GitHub's annotation shape.
    pub annotations: std::collections::HashMap<u64, Vec<Value>>,
    /// Answer check-run writes with 403, as for a token without `checks: write`.
    pub forbid: bool,
    pub next_id: u64,
    /// Requests to the Checks API (not in `State::requests`, which the comment tests count).
    pub requests: Vec<Req>,
}

impl Checks {
    /// Our check runs (name and marker) on `sha`.
    #[allow(dead_code)]
    pub fn named(&self, sha: &str, name: &str) -> Vec<Value> {
        self.runs
            .iter()
            .filter(|r| r["head_sha"] == sha && r["name"] == name)
            .cloned()
            .collect()
    }
}

pub fn github_actions_app() -> Value {
    json!({
        "id": 15368,
        "slug": "github-actions",
        "node_id": "MDM6QXBwMTUzNjg=",
        "owner": {
            "login": "github", "id": 9919, "node_id": "MDEyOk9yZ2FuaXphdGlvbjk5MTk=",
            "avatar_url": "https://avatars.githubusercontent.com/u/9919?v=4", "gravatar_id": "",
            "url": "https://api.github.com/users/github", "html_url": "https://github.com/github",
            "type": "Organization", "site_admin": false
        },
        "name": "GitHub Actions",
        "description": "Automate your workflow from idea to production",
        "external_url": "https://help.github.com/en/actions",
        "html_url": "https://github.com/apps/github-actions",
        "created_at": "2018-07-30T09:30:17Z",
        "updated_at": "2024-04-10T20:33:16Z",
        "permissions": {"actions": "write", "checks": "write", "contents": "write", "metadata": "read", "pull_requests": "write"},
        "events": ["check_run", "check_suite", "pull_request", "push"]
    })
}

pub fn check_run_object(id: u64, port: u16, body: &Value) -> Value {
    let base = format!("http://127.0.0.1:{port}/repos/{REPO}");
    json!({
        "id": id,
        "name": body["name"],
        "node_id": format!("CR_kwDOBKSv{id}"),
        "head_sha": body["head_sha"],
        "external_id": body.get("external_id").cloned().unwrap_or(json!("")),
        "url": format!("{base}/check-runs/{id}"),
        "html_url": format!("https://github.com/{REPO}/runs/{id}"),
        "details_url": body.get("details_url").cloned().unwrap_or(json!(null)),
        "status": body.get("status").cloned().unwrap_or(json!("queued")),
        "conclusion": body.get("conclusion").cloned().unwrap_or(json!(null)),
        "started_at": "2026-11-28T12:00:00Z",
        "completed_at": if body.get("conclusion").is_some() { json!("2026-11-28T12:00:05Z") } else { json!(null) },
        "output": {
            "title": body["output"]["title"],
            "summary": body["output"]["summary"],
            "text": body["output"].get("text").cloned().unwrap_or(json!(null)),
            "annotations_count": 0,
            "annotations_url": format!("{base}/check-runs/{id}/annotations")
        },
        "check_suite": {"id": 5_000_000 + id},
        "app": github_actions_app(),
        "pull_requests": [{
            "url": format!("{base}/pulls/{PR}"),
            "id": 1934,
            "number": PR,
            "head": {"ref": "changes", "sha": body["head_sha"],
                     "repo": {"id": 1296269, "url": base.clone(), "name": "widgets"}},
            "base": {"ref": "main", "sha": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
                     "repo": {"id": 1296269, "url": base.clone(), "name": "widgets"}}
        }]
    })
}

/// Appends the request's annotations to check run `id`; GitHub's 422 above 50.
pub fn add_annotations(c: &mut Checks, id: u64, body: &Value) -> Result<(), Answer> {
    let new = body["output"]["annotations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if new.len() > 50 {
        return Err((
            422,
            vec![],
            json!({"message": "Validation Failed",
                   "errors": [{"resource": "CheckRun", "code": "custom", "field": "annotations",
                               "message": "only 50 annotations are allowed per request"}],
                   "documentation_url": "https://docs.github.com/rest/checks/runs#update-a-check-run",
                   "status": "422"})
            .to_string(),
        ));
    }
    let list = c.annotations.entry(id).or_default();
    for a in new {
        list.push(json!({
            "path": a["path"],
            "start_line": a["start_line"],
            "end_line": a["end_line"],
            "start_column": a.get("start_column").cloned().unwrap_or(json!(null)),
            "end_column": a.get("end_column").cloned().unwrap_or(json!(null)),
            "annotation_level": a["annotation_level"],
            "title": a.get("title").cloned().unwrap_or(json!(null)),
            "message": a["message"],
            "raw_details": a.get("raw_details").cloned().unwrap_or(json!(null)),
            "blob_href": format!("https://github.com/{REPO}/blob/{}/{}", "0123456789abcdef0123456789abcdef01234567", a["path"].as_str().unwrap_or(""))
        }));
    }
    let n = list.len();
    if let Some(r) = c.runs.iter_mut().find(|r| r["id"] == id) {
        r["output"]["annotations_count"] = n.into();
    }
    Ok(())
}

/// The Checks API routes; None for any other path.
pub fn checks_route(
    c: &mut Checks,
    port: u16,
    method: &str,
    route: &str,
    query: &str,
    body: &str,
) -> Option<Answer> {
    let prefix = format!("/repos/{REPO}/");
    let rest = route.strip_prefix(&prefix)?;
    let q = |k: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
            .and_then(|v| v.parse::<usize>().ok())
    };
    let per = q("per_page").unwrap_or(30).min(100);
    let page = q("page").unwrap_or(1).max(1);
    let forbidden = || {
        (
            403,
            vec![],
            json!({"message": "Resource not accessible by integration",
                   "documentation_url": "https://docs.github.com/rest/checks/runs#create-a-check-run",
                   "status": "403"})
            .to_string(),
        )
    };
    let not_found = || {
        (
            404,
            vec![],
            json!({"message": "Not Found", "status": "404"}).to_string(),
        )
    };
    let parts: Vec<&str> = rest.split('/').collect();
    Some(match (method, parts.as_slice()) {
        ("POST", ["check-runs"]) => {
            if c.forbid {
                return Some(forbidden());
            }
            let b: Value = serde_json::from_str(body).unwrap();
            c.next_id += 1;
            let id = 4_000_000 + c.next_id;
            c.runs.push(check_run_object(id, port, &b));
            if let Err(e) = add_annotations(c, id, &b) {
                c.runs.pop();
                return Some(e);
            }
            let run = c.runs.last().unwrap().clone();
            (201, vec![], run.to_string())
        }
        ("PATCH", ["check-runs", id]) => {
            if c.forbid {
                return Some(forbidden());
            }
            let Ok(id) = id.parse::<u64>() else {
                return Some(not_found());
            };
            let b: Value = serde_json::from_str(body).unwrap();
            let Some(i) = c.runs.iter().position(|r| r["id"] == id) else {
                return Some(not_found());
            };
            if let Err(e) = add_annotations(c, id, &b) {
                return Some(e);
            }
            let r = &mut c.runs[i];
            for k in ["name", "status", "conclusion", "details_url", "external_id"] {
                if let Some(v) = b.get(k) {
                    r[k] = v.clone();
                }
            }
            if b.get("conclusion").is_some() {
                r["status"] = "completed".into();
                r["completed_at"] = "2026-11-28T13:00:05Z".into();
            }
            if let Some(o) = b.get("output") {
                for k in ["title", "summary", "text"] {
                    if let Some(v) = o.get(k) {
                        r["output"][k] = v.clone();
                    }
                }
            }
            (200, vec![], r.to_string())
        }
        ("GET", ["commits", sha, "check-runs"]) => {
            let all: Vec<&Value> = c.runs.iter().filter(|r| r["head_sha"] == *sha).collect();
            let items: Vec<Value> = all
                .iter()
                .rev()
                .skip((page - 1) * per)
                .take(per)
                .map(|v| (*v).clone())
                .collect();
            (
                200,
                vec![],
                json!({"total_count": all.len(), "check_runs": items}).to_string(),
            )
        }
        ("GET", ["check-runs", id, "annotations"]) => {
            let id = id.parse::<u64>().unwrap_or(0);
            let all = c.annotations.get(&id).cloned().unwrap_or_default();
            let items: Vec<Value> = all.into_iter().skip((page - 1) * per).take(per).collect();
            (200, vec![], Value::Array(items).to_string())
        }
        _ => return None,
    })
}
