//! A byte-capacity LRU used by the request model until the cache module's
//! policies are wired in. Index-linked list in a Vec; O(1) operations.

use rustc_hash::FxHashMap;

const NIL: u32 = u32::MAX;

struct Node {
    id: u64,
    size: u64,
    prev: u32,
    next: u32,
}

pub struct Lru {
    capacity: u64,
    used: u64,
    map: FxHashMap<u64, u32>,
    nodes: Vec<Node>,
    free: Vec<u32>,
    head: u32, // most recent
    tail: u32, // least recent
}

impl Lru {
    pub fn new(capacity: u64) -> Self {
        Lru {
            capacity,
            used: 0,
            map: FxHashMap::default(),
            nodes: Vec::new(),
            free: Vec::new(),
            head: NIL,
            tail: NIL,
        }
    }
    fn unlink(&mut self, i: u32) {
        let (p, n) = (self.nodes[i as usize].prev, self.nodes[i as usize].next);
        if p != NIL {
            self.nodes[p as usize].next = n
        } else {
            self.head = n
        }
        if n != NIL {
            self.nodes[n as usize].prev = p
        } else {
            self.tail = p
        }
    }
    fn push_front(&mut self, i: u32) {
        self.nodes[i as usize].prev = NIL;
        self.nodes[i as usize].next = self.head;
        if self.head != NIL {
            self.nodes[self.head as usize].prev = i
        }
        self.head = i;
        if self.tail == NIL {
            self.tail = i
        }
    }
    /// Looks `id` up; a hit moves it to the front.
    pub fn get(&mut self, id: u64) -> bool {
        match self.map.get(&id) {
            Some(&i) => {
                self.unlink(i);
                self.push_front(i);
                true
            }
            None => false,
        }
    }
    /// Inserts `id` (or refreshes it), evicting from the tail. Objects larger
    /// than the capacity are not admitted.
    pub fn insert(&mut self, id: u64, size: u64) {
        if self.get(id) || size > self.capacity {
            return;
        }
        while self.used + size > self.capacity {
            let t = self.tail;
            self.unlink(t);
            let n = &self.nodes[t as usize];
            self.used -= n.size;
            self.map.remove(&n.id);
            self.free.push(t);
        }
        let node = Node {
            id,
            size,
            prev: NIL,
            next: NIL,
        };
        let i = match self.free.pop() {
            Some(i) => {
                self.nodes[i as usize] = node;
                i
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        };
        self.push_front(i);
        self.map.insert(id, i);
        self.used += size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn evicts_least_recently_used_by_bytes() {
        let mut c = Lru::new(10);
        c.insert(1, 4);
        c.insert(2, 4);
        assert!(c.get(1)); // 2 is now LRU
        c.insert(3, 4); // evicts 2
        assert!(c.get(1) && c.get(3) && !c.get(2));
        assert_eq!(c.used, 8);
        c.insert(4, 11); // too big: not admitted
        assert!(!c.get(4));
    }
}
