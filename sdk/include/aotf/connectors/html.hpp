#pragma once
// A small read-only DOM over an HTML5 parser (the same tree a browser builds, so broken markup
// is read the way the site's visitors see it), with just the queries connectors need: find by
// tag, id, class and attribute, walk to the parent, read attributes and text, collect the links
// under a node.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/config.hpp>

#include "aotf/error.hpp"

namespace aotf::html {

// One compound selector, no combinators: `tag`, `#id`, `.class`, `[attr]`, `[attr=value]`,
// combined as in CSS: `div[data-hook=deviation_meta]`, `meta#meta-preload-data`,
// `link[rel=preload][as=image]`, `section#about`. Values may be quoted with ' or ".
// Class and attribute words compare as in HTML: `[rel=preload]` matches rel="preload" exactly.
struct BOOST_SYMBOL_VISIBLE Selector {
  std::string tag;  // lower-case; empty: any element
  std::string id;
  std::vector<std::string> classes;
  std::vector<std::pair<std::string, std::optional<std::string>>> attributes;

  // Throws aotf::Error naming the selector and the position of the mistake.
  [[nodiscard]] static Selector parse(std::string_view text);
  [[nodiscard]] std::string to_string() const;
};

// A handle on an element; valid while its Document lives. A default Node is "nothing found".
class BOOST_SYMBOL_VISIBLE Node {
public:
  Node() = default;
  explicit operator bool() const noexcept { return node_ != nullptr; }

  [[nodiscard]] std::string tag() const;  // lower-case
  [[nodiscard]] std::optional<std::string> attr(std::string_view name) const;
  [[nodiscard]] bool matches(const Selector& selector) const;
  [[nodiscard]] Node parent() const;  // nothing for the root element
  // The text of the element and its descendants, as found (entities decoded).
  [[nodiscard]] std::string text() const;

  // Descendants in document order (the node itself excluded).
  [[nodiscard]] Node find(const Selector& selector) const;
  [[nodiscard]] Node find(std::string_view selector) const { return find(Selector::parse(selector)); }
  [[nodiscard]] std::vector<Node> find_all(const Selector& selector) const;
  [[nodiscard]] std::vector<Node> find_all(std::string_view selector) const {
    return find_all(Selector::parse(selector));
  }
  // The href of every <a> under this node, in document order, as written (entities decoded).
  [[nodiscard]] std::vector<std::string> links() const;

private:
  friend class Document;
  explicit Node(const void* node) : node_(node) {}
  const void* node_ = nullptr;
};

class BOOST_SYMBOL_VISIBLE Document {
public:
  // Never fails: any text parses into some tree (html, head and body always exist).
  explicit Document(std::string_view html);
  ~Document();
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;
  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;

  [[nodiscard]] Node root() const;  // <html>
  [[nodiscard]] Node body() const;
  [[nodiscard]] Node find(std::string_view selector) const { return root().find(selector); }
  [[nodiscard]] std::vector<Node> find_all(std::string_view selector) const { return root().find_all(selector); }

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aotf::html
