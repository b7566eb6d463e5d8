//! Strongly connected components of the "holds by value" graph of structs.
//!
//! A struct that holds another in an `Option<T>` field holds it by value, so a cycle of such
//! fields would have infinite size. Fields whose target lies in the same strongly connected
//! component as the struct itself are boxed; every other field stays unboxed, which keeps the
//! generated types as plain as the data allows (a hand-kept boxing list is what autorust needed
//! before it checked cycles). `Vec` fields are already indirect and add no edge.
//!
//! Tarjan's algorithm, written with an explicit stack: Graph has thousands of types, and a
//! recursive version could overflow the stack on a long chain.

/// Returns, for each node of a graph given as adjacency lists, the id of its component. Two
/// nodes share an id exactly when each can reach the other. Runs in O(nodes + edges).
pub(crate) fn components(edges: &[Vec<usize>]) -> Vec<usize> {
    const UNVISITED: usize = usize::MAX;
    let n = edges.len();
    let mut index = vec![UNVISITED; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut component = vec![UNVISITED; n];
    let mut next_index = 0usize;
    let mut next_component = 0usize;
    // Each frame is a node and how many of its edges were already followed.
    let mut frames: Vec<(usize, usize)> = Vec::new();

    for root in 0..n {
        if index[root] != UNVISITED {
            continue;
        }
        frames.push((root, 0));
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;

        while let Some(&mut (node, ref mut edge)) = frames.last_mut() {
            if let Some(&target) = edges[node].get(*edge) {
                *edge += 1;
                // Edges to nodes outside the graph are ignored rather than trusted.
                if target >= n {
                    continue;
                }
                if index[target] == UNVISITED {
                    index[target] = next_index;
                    low[target] = next_index;
                    next_index += 1;
                    stack.push(target);
                    on_stack[target] = true;
                    frames.push((target, 0));
                } else if on_stack[target] {
                    low[node] = low[node].min(index[target]);
                }
                continue;
            }
            // All edges of `node` are done: close its component if it is a root, then hand
            // its low-link to the caller.
            frames.pop();
            if low[node] == index[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = next_component;
                    if member == node {
                        break;
                    }
                }
                next_component += 1;
            }
            if let Some(&(parent, _)) = frames.last() {
                low[parent] = low[parent].min(low[node]);
            }
        }
    }
    component
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_loop_two_cycle_and_chain() {
        // 0 → 0 (self), 1 ⇄ 2, 3 → 1 (not in the cycle), 4 alone.
        let edges = vec![vec![0], vec![2], vec![1], vec![1], vec![]];
        let c = components(&edges);
        assert_eq!(c[1], c[2]);
        assert_ne!(c[3], c[1]);
        assert_ne!(c[0], c[1]);
        assert_ne!(c[4], c[0]);
        assert_ne!(c[4], c[3]);
    }

    #[test]
    fn big_cycle_does_not_overflow() {
        let n = 200_000;
        let edges: Vec<Vec<usize>> = (0..n).map(|i| vec![(i + 1) % n]).collect();
        let c = components(&edges);
        assert!(c.iter().all(|&x| x == c[0]));
    }

    #[test]
    fn long_chain_is_all_singletons() {
        let n = 100_000;
        let edges: Vec<Vec<usize>> = (0..n).map(|i| if i + 1 < n { vec![i + 1] } else { vec![] }).collect();
        let mut c = components(&edges);
        c.sort();
        c.dedup();
        assert_eq!(c.len(), n);
    }

    #[test]
    fn out_of_range_edges_are_ignored() {
        assert_eq!(components(&[vec![7]]).len(), 1);
    }
}
