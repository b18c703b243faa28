//! placeholder
use proc_macro::TokenStream;
#[proc_macro_attribute]
pub fn up42_endpoint(_args: TokenStream, input: TokenStream) -> TokenStream {
    input
}
