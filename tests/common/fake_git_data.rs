// The Git Data side of the fake GitHub (issue 13): blobs, trees, commits, refs and the
// GraphQL `updateRefs` mutation, in GitHub's JSON shapes, with real compare-and-swap: an
// update whose `beforeOid` is not where the ref is now is refused (and counted), as
// GitHub refuses it. Included by fake_github.rs, whose router hands these paths here
// (`git_data_route`); its `forbid_writes` makes every write a 403, as for a fork PR's
// read-only token.

/// A git object of the fake.
#[derive(Debug, Clone)]
pub enum GitObj {
    Blob(String),
    /// Path → blob SHA (flat: directories are implied by the paths).
    Tree(std::collections::BTreeMap<String, String>),
    Commit {
        tree: String,
        parents: Vec<String>,
        message: String,
    },
}

/// The fake's repository content.
#[derive(Debug, Default)]
#[allow(dead_code)] // inspected by tests/github_store.rs only
pub struct GitData {
    pub objects: std::collections::HashMap<String, GitObj>,
    /// `refs/heads/NAME` → commit SHA.
    pub refs: std::collections::BTreeMap<String, String>,
    /// `updateRefs` updates applied.
    pub ref_moves: usize,
    /// `updateRefs` updates refused for a stale `beforeOid`.
    pub stale_rejections: usize,
    pub seq: u64,
}

/// The repository's GraphQL node id in the fake.
pub const REPO_NODE_ID: &str = "R_kgDOBKSvNw";
pub const ZERO: &str = "0000000000000000000000000000000000000000";

pub fn git_sha(kind: &str, content: &str, seq: u64) -> String {
    use std::hash::{Hash, Hasher};
    let mut parts = [0u64; 3];
    for (i, p) in parts.iter_mut().enumerate() {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (i, kind, content, seq).hash(&mut h);
        *p = h.finish();
    }
    format!("{:016x}{:016x}{:08x}", parts[0], parts[1], parts[2] as u32)
}

pub fn b64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (i, chunk) in bytes.chunks(3).enumerate() {
        // GitHub wraps base64 content at 60 characters.
        if i > 0 && i % 15 == 0 {
            out.push('\n');
        }
        let n = chunk.len();
        let v = (chunk[0] as u32) << 16
            | (*chunk.get(1).unwrap_or(&0) as u32) << 8
            | *chunk.get(2).unwrap_or(&0) as u32;
        for k in 0..4 {
            if k <= n {
                out.push(T[(v >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out.push('\n');
    out
}

#[allow(dead_code)] // inspection helpers are used by tests/github_store.rs only
impl GitData {
    pub fn put(&mut self, obj: GitObj) -> String {
        let (kind, content) = match &obj {
            GitObj::Blob(t) => ("blob", t.clone()),
            GitObj::Tree(m) => ("tree", format!("{m:?}")),
            GitObj::Commit {
                tree,
                parents,
                message,
            } => ("commit", format!("{tree}{parents:?}{message}")),
        };
        // Commits get a sequence number, as real ones get a timestamp.
        let seq = if kind == "commit" {
            self.seq += 1;
            self.seq
        } else {
            0
        };
        let sha = git_sha(kind, &content, seq);
        self.objects.insert(sha.clone(), obj);
        sha
    }

    /// A tree SHA from a tree SHA, a commit SHA or a branch name.
    pub fn resolve_tree(&self, ish: &str) -> Option<String> {
        let sha = self
            .refs
            .get(&format!("refs/heads/{ish}"))
            .cloned()
            .unwrap_or_else(|| ish.to_string());
        match self.objects.get(&sha)? {
            GitObj::Tree(_) => Some(sha),
            GitObj::Commit { tree, .. } => Some(tree.clone()),
            GitObj::Blob(_) => None,
        }
    }

    /// The files of the branch: path → text (test inspection).
    pub fn branch_files(&self, branch: &str) -> std::collections::BTreeMap<String, String> {
        let mut out = std::collections::BTreeMap::new();
        if let Some(tree) = self.resolve_tree(branch) {
            if let Some(GitObj::Tree(m)) = self.objects.get(&tree) {
                for (p, s) in m {
                    if let Some(GitObj::Blob(t)) = self.objects.get(s) {
                        out.insert(p.clone(), t.clone());
                    }
                }
            }
        }
        out
    }

    /// How many commits deep the branch is (0: it does not exist).
    pub fn branch_depth(&self, branch: &str) -> usize {
        let mut depth = 0;
        let mut at = self.refs.get(&format!("refs/heads/{branch}")).cloned();
        while let Some(sha) = at {
            depth += 1;
            at = match self.objects.get(&sha) {
                Some(GitObj::Commit { parents, .. }) => parents.first().cloned(),
                _ => None,
            };
        }
        depth
    }
}

pub fn not_found(doc: &str) -> Answer {
    (
        404,
        vec![],
        json!({"message": "Not Found", "documentation_url": format!("https://docs.github.com/rest/git/{doc}"), "status": "404"}).to_string(),
    )
}

pub fn unprocessable(msg: &str, doc: &str) -> Answer {
    (
        422,
        vec![],
        json!({"message": msg, "documentation_url": format!("https://docs.github.com/rest/git/{doc}"), "status": "422"}).to_string(),
    )
}

/// Handles the Git Data and GraphQL paths; `None` for any other path.
pub fn git_data_route(
    g: &mut GitData,
    forbid_writes: bool,
    port: u16,
    method: &str,
    route: &str,
    body: &str,
) -> Option<Answer> {
    let base = format!("http://127.0.0.1:{port}/repos/{REPO}");
    let repo_path = format!("/repos/{REPO}");
    let forbidden = |doc: &str| {
        (
            403,
            vec![],
            json!({"message": "Resource not accessible by integration",
                   "documentation_url": format!("https://docs.github.com/rest/git/{doc}"),
                   "status": "403"})
            .to_string(),
        )
    };
    if method == "POST" && route == "/graphql" {
        return Some(graphql(g, forbid_writes, body));
    }
    if method == "GET" && route == repo_path {
        let (owner, name) = REPO.split_once('/').unwrap();
        return Some((
            200,
            vec![],
            json!({
                "id": 1296269, "node_id": REPO_NODE_ID, "name": name, "full_name": REPO,
                "private": false,
                "owner": {"login": owner, "id": 1, "node_id": "MDQ6VXNlcjE=", "type": "Organization"},
                "html_url": format!("https://github.com/{REPO}"),
                "url": base, "default_branch": "main", "visibility": "public",
                "permissions": {"admin": false, "maintain": false, "push": !forbid_writes, "triage": false, "pull": true}
            })
            .to_string(),
        ));
    }
    let rest = route.strip_prefix(&format!("{repo_path}/git/"))?;
    let answer = match (method, rest.split_once('/').unwrap_or((rest, ""))) {
        ("GET", ("ref", name)) => match g.refs.get(&format!("refs/{name}")) {
            Some(sha) => (
                200,
                vec![],
                json!({"ref": format!("refs/{name}"), "node_id": format!("REF_kwDO{}", &sha[..8]),
                       "url": format!("{base}/git/refs/{name}"),
                       "object": {"sha": sha, "type": "commit", "url": format!("{base}/git/commits/{sha}")}})
                .to_string(),
            ),
            None => not_found("refs#get-a-reference"),
        },
        ("GET", ("commits", sha)) => match g.objects.get(sha) {
            Some(GitObj::Commit {
                tree,
                parents,
                message,
            }) => {
                let who = json!({"name": "github-actions[bot]", "email": "41898282+github-actions[bot]@users.noreply.github.com", "date": "2026-12-01T12:00:00Z"});
                (
                    200,
                    vec![],
                    json!({"sha": sha, "node_id": format!("C_kwDO{}", &sha[..8]),
                           "url": format!("{base}/git/commits/{sha}"),
                           "html_url": format!("https://github.com/{REPO}/commit/{sha}"),
                           "author": who, "committer": who,
                           "tree": {"sha": tree, "url": format!("{base}/git/trees/{tree}")},
                           "message": message,
                           "parents": parents.iter().map(|p| json!({"sha": p, "url": format!("{base}/git/commits/{p}"), "html_url": format!("https://github.com/{REPO}/commit/{p}")})).collect::<Vec<_>>(),
                           "verification": {"verified": false, "reason": "unsigned", "signature": null, "payload": null, "verified_at": null}})
                    .to_string(),
                )
            }
            _ => not_found("commits#get-a-commit-object"),
        },
        ("GET", ("trees", ish)) => match g.resolve_tree(ish) {
            Some(tree) => {
                let GitObj::Tree(files) = &g.objects[&tree] else {
                    unreachable!()
                };
                let mut entries = vec![];
                let mut dirs = std::collections::BTreeSet::new();
                for p in files.keys() {
                    let mut d = p.as_str();
                    while let Some((parent, _)) = d.rsplit_once('/') {
                        dirs.insert(parent.to_string());
                        d = parent;
                    }
                }
                for d in &dirs {
                    let sha = git_sha("dir", &format!("{tree}/{d}"), 0);
                    entries.push((d.clone(), json!({"path": d, "mode": "040000", "type": "tree", "sha": sha, "url": format!("{base}/git/trees/{sha}")})));
                }
                for (p, s) in files {
                    let size = match g.objects.get(s) {
                        Some(GitObj::Blob(t)) => t.len(),
                        _ => 0,
                    };
                    entries.push((p.clone(), json!({"path": p, "mode": "100644", "type": "blob", "sha": s, "size": size, "url": format!("{base}/git/blobs/{s}")})));
                }
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                (
                    200,
                    vec![],
                    json!({"sha": tree, "url": format!("{base}/git/trees/{tree}"),
                           "tree": entries.into_iter().map(|e| e.1).collect::<Vec<_>>(), "truncated": false})
                    .to_string(),
                )
            }
            None => not_found("trees#get-a-tree"),
        },
        ("GET", ("blobs", sha)) => match g.objects.get(sha) {
            Some(GitObj::Blob(t)) => (
                200,
                vec![],
                json!({"sha": sha, "node_id": format!("B_kwDO{}", &sha[..8]), "size": t.len(),
                       "url": format!("{base}/git/blobs/{sha}"), "content": b64(t.as_bytes()), "encoding": "base64"})
                .to_string(),
            ),
            _ => not_found("blobs#get-a-blob"),
        },
        ("POST", ("blobs", "")) => {
            if forbid_writes {
                return Some(forbidden("blobs#create-a-blob"));
            }
            let b: Value = serde_json::from_str(body).unwrap();
            if b["encoding"] != "utf-8" {
                return Some(unprocessable("encoding must be utf-8 here", "blobs#create-a-blob"));
            }
            let sha = g.put(GitObj::Blob(b["content"].as_str().unwrap().to_string()));
            (
                201,
                vec![("location".into(), format!("{base}/git/blobs/{sha}"))],
                json!({"url": format!("{base}/git/blobs/{sha}"), "sha": sha}).to_string(),
            )
        }
        ("POST", ("trees", "")) => {
            if forbid_writes {
                return Some(forbidden("trees#create-a-tree"));
            }
            let b: Value = serde_json::from_str(body).unwrap();
            let mut files = match b["base_tree"].as_str() {
                None => Default::default(),
                Some(t) => match g.objects.get(t) {
                    Some(GitObj::Tree(m)) => m.clone(),
                    _ => {
                        return Some(unprocessable(
                            "base_tree is not a valid tree oid",
                            "trees#create-a-tree",
                        ))
                    }
                },
            };
            for e in b["tree"].as_array().unwrap() {
                let path = e["path"].as_str().unwrap().to_string();
                if let Some(c) = e["content"].as_str() {
                    let sha = g.put(GitObj::Blob(c.to_string()));
                    files.insert(path, sha);
                } else if e["sha"].is_null() {
                    files.remove(&path);
                } else {
                    let sha = e["sha"].as_str().unwrap().to_string();
                    if !matches!(g.objects.get(&sha), Some(GitObj::Blob(_))) {
                        return Some(unprocessable(
                            &format!("tree.sha {sha} is not a valid blob"),
                            "trees#create-a-tree",
                        ));
                    }
                    files.insert(path, sha);
                }
            }
            let sha = g.put(GitObj::Tree(files));
            (
                201,
                vec![],
                json!({"sha": sha, "url": format!("{base}/git/trees/{sha}"), "tree": [], "truncated": false}).to_string(),
            )
        }
        ("POST", ("commits", "")) => {
            if forbid_writes {
                return Some(forbidden("commits#create-a-commit"));
            }
            let b: Value = serde_json::from_str(body).unwrap();
            let tree = b["tree"].as_str().unwrap().to_string();
            if !matches!(g.objects.get(&tree), Some(GitObj::Tree(_))) {
                return Some(unprocessable("Tree SHA does not exist", "commits#create-a-commit"));
            }
            let parents: Vec<String> = b["parents"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap().to_string())
                .collect();
            let sha = g.put(GitObj::Commit {
                tree: tree.clone(),
                parents: parents.clone(),
                message: b["message"].as_str().unwrap().to_string(),
            });
            (
                201,
                vec![],
                json!({"sha": sha, "url": format!("{base}/git/commits/{sha}"),
                       "tree": {"sha": tree, "url": format!("{base}/git/trees/{tree}")},
                       "message": b["message"], "parents": parents.iter().map(|p| json!({"sha": p})).collect::<Vec<_>>()})
                .to_string(),
            )
        }
        _ => return None,
    };
    Some(answer)
}

/// `updateRefs` with compare-and-swap: all updates apply, or none.
pub fn graphql(g: &mut GitData, forbid_writes: bool, body: &str) -> Answer {
    let b: Value = serde_json::from_str(body).unwrap();
    let q = b["query"].as_str().unwrap_or("");
    let error = |kind: &str, msg: String| {
        (
            200,
            vec![],
            json!({"data": {"updateRefs": null},
                   "errors": [{"type": kind, "path": ["updateRefs"],
                               "locations": [{"line": 1, "column": 72}], "message": msg}]})
            .to_string(),
        )
    };
    if !q.contains("updateRefs") {
        return (
            200,
            vec![],
            json!({"errors": [{"message": "this fake answers only updateRefs"}]}).to_string(),
        );
    }
    if forbid_writes {
        return error(
            "FORBIDDEN",
            "Resource not accessible by integration".into(),
        );
    }
    let v = &b["variables"];
    if v["repositoryId"] != REPO_NODE_ID {
        return error(
            "NOT_FOUND",
            format!("Could not resolve to a node with the global id of '{}'", v["repositoryId"]),
        );
    }
    let updates = v["refUpdates"].as_array().unwrap();
    for u in updates {
        let name = u["name"].as_str().unwrap();
        let before = u["beforeOid"].as_str();
        let after = u["afterOid"].as_str().unwrap();
        let now = g.refs.get(name).map(String::as_str);
        let stale = match before {
            Some(ZERO) => now.is_some(),
            Some(b) => now != Some(b),
            None => false,
        };
        if stale {
            g.stale_rejections += 1;
            return error(
                "STALE_DATA",
                format!(
                    "A ref update for {name} failed: expected the ref to be at {}, but it is at {}",
                    before.unwrap_or(""),
                    now.unwrap_or(ZERO)
                ),
            );
        }
        if !matches!(g.objects.get(after), Some(GitObj::Commit { .. })) {
            return error("UNPROCESSABLE", format!("Object {after} is not a commit"));
        }
        let fast_forward = match (now, g.objects.get(after)) {
            (None, _) => true,
            (Some(n), Some(GitObj::Commit { parents, .. })) => parents.iter().any(|p| p == n),
            _ => false,
        };
        if !fast_forward && u["force"] != true {
            return error(
                "UNPROCESSABLE",
                format!("A ref update for {name} is not a fast-forward; use force"),
            );
        }
    }
    for u in updates {
        g.refs.insert(
            u["name"].as_str().unwrap().to_string(),
            u["afterOid"].as_str().unwrap().to_string(),
        );
        g.ref_moves += 1;
    }
    (
        200,
        vec![],
        json!({"data": {"updateRefs": {"clientMutationId": null}}}).to_string(),
    )
}
