//! Declared layouts: what `#[derive(DataValue)]` knows of a type at compile time, used when its
//! serde implementation cannot be traced ([`Layout::of_serde`] is `None`).
//!
//! The derive writes the declaration's *head* as text — the type's name, its fields' names in
//! order with their types as written, its variants, and the serde attributes on all of these,
//! e.g. `Spans { days: Range<u32>, temps: Range<f64> }` — and lists each field type once, with
//! a function giving that type's own layout (its `DataValue` layout, else its serde trace, else
//! none; chosen at compile time by [`Probe`]). The layout's text is the head, then each field
//! type's layout: `Spans { .. } (as declared); Range<u32> = Range { start: u32, end: u32 }; ..`.
//! So swapping two fields, renaming one, changing a field's type, or changing the inside of a
//! field's (traceable) type all change the layout. What it cannot see: a change inside a field
//! type that has no layout of its own (`Date: not traced`), or a changed serde attribute on
//! another type.

use std::any::TypeId;
use std::cell::RefCell;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Mutex, OnceLock};

use serde::de::DeserializeOwned;

use super::{DataValue, Layout};

/// One field type of a declaration: its tokens as written, and how to get its own layout.
pub type DeclaredField = (&'static str, fn() -> Option<Layout>);

/// The layout of `T` from its declaration (see the module's documentation), made once per type
/// and process.
pub fn declared_layout<T: 'static>(head: &str, fields: &[DeclaredField]) -> Layout {
    static CACHE: OnceLock<Mutex<HashMap<TypeId, Layout>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Mutex::default);
    let lock = || cache.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(layout) = lock().get(&TypeId::of::<T>()) {
        return *layout;
    }
    // A recursive type (`enum Tree { Leaf(u32), Node(Box<Tree>) }`) meets itself among its
    // fields' layouts: that inner occurrence is written `(this type)`, and not cached.
    if BUILDING.with_borrow(|building| building.contains(&TypeId::of::<T>())) {
        return Layout::from_text("(this type)");
    }
    BUILDING.with_borrow_mut(|building| building.push(TypeId::of::<T>()));
    // Made outside the lock: a field type's layout may be a declared one too.
    let text = declared_text(head, fields);
    BUILDING.with_borrow_mut(|building| building.retain(|id| *id != TypeId::of::<T>()));
    let layout = Layout::from_text(&text);
    *lock().entry(TypeId::of::<T>()).or_insert(layout)
}

thread_local! {
    /// The declared layouts this thread is making.
    static BUILDING: RefCell<Vec<TypeId>> = const { RefCell::new(Vec::new()) };
}

/// The text of a declared layout. A field type whose layout reads as the type itself (`u32`,
/// `String`) adds nothing and is left out.
fn declared_text(head: &str, fields: &[DeclaredField]) -> String {
    let mut text = format!("{head} (as declared)");
    for (written, layout) in fields {
        match layout() {
            Some(layout) if layout.text() == *written => {}
            Some(layout) => text.push_str(&format!("; {written} = {layout}")),
            None => text.push_str(&format!("; {written}: not traced")),
        }
    }
    text
}

/// Stands for a field type `T` to find its layout by autoref specialization:
/// `(&&&Probe::<T>::NEW).layout_of()` resolves to [`ProbeDataValue`] if `T` is a
/// [`DataValue`], else to [`ProbeSerde`] if `T` is a serde type, else to [`ProbeNone`]. The
/// three traits must be in scope.
pub struct Probe<T>(PhantomData<fn() -> T>);

impl<T> Probe<T> {
    /// The probe for `T`.
    pub const NEW: Self = Self(PhantomData);
}

/// A field type that is a [`DataValue`]: its layout.
pub trait ProbeDataValue {
    /// The field type's layout.
    fn layout_of(&self) -> Option<Layout>;
}

impl<T: DataValue> ProbeDataValue for &&Probe<T> {
    fn layout_of(&self) -> Option<Layout> {
        T::layout()
    }
}

/// A field type that is a serde type: its traced layout.
pub trait ProbeSerde {
    /// The field type's layout.
    fn layout_of(&self) -> Option<Layout>;
}

impl<T: DeserializeOwned + 'static> ProbeSerde for &Probe<T> {
    fn layout_of(&self) -> Option<Layout> {
        Layout::of_serde::<T>()
    }
}

/// Any other field type (one stored with `#[serde(with = ..)]`): no layout of its own.
pub trait ProbeNone {
    /// `None`.
    fn layout_of(&self) -> Option<Layout>;
}

impl<T> ProbeNone for Probe<T> {
    fn layout_of(&self) -> Option<Layout> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Not a serde type.
    struct Opaque;

    #[derive(serde::Deserialize)]
    struct Pair {
        _a: u32,
        _b: Vec<String>,
    }

    #[test]
    #[allow(clippy::needless_borrow)] // the borrows choose the probe
    fn probes_find_the_best_layout_of_a_field_type() {
        let value: fn() -> Option<Layout> = || (&&&Probe::<f64>::NEW).layout_of();
        let serde: fn() -> Option<Layout> = || (&&&Probe::<Pair>::NEW).layout_of();
        let none: fn() -> Option<Layout> = || (&&&Probe::<Opaque>::NEW).layout_of();
        assert_eq!(value().unwrap().text(), "f64");
        assert_eq!(serde().unwrap().text(), "Pair { _a: u32, _b: Vec<String> }");
        assert_eq!(none(), None);

        let fields: [DeclaredField; 3] = [("f64", value), ("Pair", serde), ("Opaque", none)];
        let layout = declared_layout::<Opaque>("T { x: f64, p: Pair, o: Opaque }", &fields);
        assert_eq!(
            layout.text(),
            "T { x: f64, p: Pair, o: Opaque } (as declared); \
             Pair = Pair { _a: u32, _b: Vec<String> }; Opaque: not traced"
        );
        assert_eq!(declared_layout::<Opaque>("ignored: cached per type", &[]), layout);
    }
}
