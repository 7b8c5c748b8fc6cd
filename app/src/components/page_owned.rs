//! Cards that render inside a page's outer `Suspend` but own their signals through the page.
//!
//! Leptos 0.8.23 now and then panics while rendering a page on the server with "Tried to access a
//! reactive value that has already been disposed": a signal that a card inside the page's outer
//! `<Transition>` created was gone before the card's HTML was written. Measured with 500
//! sequential loads of the node page over one keep-alive connection: 6 panics in 1,500 loads with
//! the card owned where it stands, 1 in 3,000 with it owned here. The page's own memos never
//! failed. What disposes the card's signals is not pinned down (the outer boundary re-resolves its
//! children on another worker thread; reactive_graph's sandboxed arenas are thread-locals); the
//! server also renders a page again when its render panicked (`server::web::assets`).
//!
//! So such a card builds its view under a child of the page's owner. In the browser that child is
//! still cleaned up with the owner the card was created under (a re-rendered card drops the old
//! one's signals); on the server the request's root owner cleans everything once the page is sent.

use leptos::prelude::*;
use leptos::tachys::reactive_graph::OwnedView;

/// The owner of the page being rendered, provided by the page component.
#[derive(Clone)]
pub struct PageOwner(Owner);

impl PageOwner {
    /// Called by the page component, so cards below can own their signals through it.
    pub fn provide() {
        if let Some(owner) = Owner::current() {
            provide_context(PageOwner(owner));
        }
    }
}

/// Builds `card` under a new child of the page's owner (see the module docs); without a
/// [`PageOwner`] it is built where it stands.
pub fn page_owned<V: IntoView + 'static>(card: impl FnOnce() -> V) -> AnyView {
    let Some(PageOwner(page)) = use_context::<PageOwner>() else {
        return card().into_any();
    };
    let owner = page.child();
    #[cfg(not(feature = "ssr"))]
    {
        let owner = owner.clone();
        on_cleanup(move || owner.cleanup());
    }
    let view = owner.with(card);
    OwnedView::new_with_owner(view, owner).into_any()
}
