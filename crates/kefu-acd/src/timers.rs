//! The engine's timers: a deadline queue ordered by (time, insertion sequence).
//!
//! Most timers are `now + d` for one of a few fixed durations (offer timeout, wrap-up,
//! relaxation step, overflow, max wait), and the clock never goes back, so the timers of one
//! duration fall due in the order they were set: each such duration gets a FIFO lane (O(1)
//! push and pop). Anything else goes to a binary heap. Popping takes the earliest of the heap's
//! top and the lanes' fronts, so the order is exactly that of one heap.

use crate::Time;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

const MAX_LANES: usize = 16;

/// A timer: (due, insertion sequence, payload).
type Entry<T> = (Time, u64, T);

#[derive(Debug)]
pub(crate) struct Timers<T> {
    heap: BinaryHeap<Reverse<Entry<T>>>,
    lanes: Vec<(Time, VecDeque<Entry<T>>)>,
    seq: u64,
}

impl<T: Copy + Ord> Timers<T> {
    pub fn new() -> Self {
        Timers {
            heap: BinaryHeap::new(),
            lanes: Vec::new(),
            seq: 0,
        }
    }

    pub fn push(&mut self, now: Time, at: Time, t: T) {
        self.seq += 1;
        let e = (at, self.seq, t);
        if at >= now {
            let d = at - now;
            if let Some((_, lane)) = self.lanes.iter_mut().find(|l| l.0 == d) {
                if lane.back().is_none_or(|b| b.0 <= at) {
                    lane.push_back(e);
                    return;
                }
            } else if self.lanes.len() < MAX_LANES {
                self.lanes.push((d, VecDeque::from([e])));
                return;
            }
        }
        self.heap.push(Reverse(e));
    }

    /// Where the earliest timer is: None = heap, Some(i) = lane i.
    fn first(&self) -> Option<(Option<usize>, Entry<T>)> {
        let mut best = self.heap.peek().map(|r| (None, r.0));
        for (i, (_, lane)) in self.lanes.iter().enumerate() {
            if let Some(&e) = lane.front()
                && best.is_none_or(|(_, b)| (e.0, e.1) < (b.0, b.1))
            {
                best = Some((Some(i), e));
            }
        }
        best
    }

    pub fn peek(&self) -> Option<(Time, T)> {
        self.first().map(|(_, e)| (e.0, e.2))
    }

    pub fn pop(&mut self) -> Option<(Time, T)> {
        let (src, e) = self.first()?;
        match src {
            None => {
                self.heap.pop();
            }
            Some(i) => {
                self.lanes[i].1.pop_front();
            }
        }
        Some((e.0, e.2))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_then_insertion_order() {
        let mut t = Timers::new();
        t.push(0, 15, 'a');
        t.push(0, 5, 'b');
        t.push(3, 18, 'c'); // lane d=15
        t.push(10, 5, 'd'); // in the past: heap
        t.push(4, 9, 'e'); // lane d=5
        t.push(4, 9, 'f');
        let mut got = Vec::new();
        while let Some((at, x)) = t.pop() {
            got.push((at, x));
        }
        assert_eq!(
            got,
            vec![(5, 'b'), (5, 'd'), (9, 'e'), (9, 'f'), (15, 'a'), (18, 'c')]
        );
    }
}
