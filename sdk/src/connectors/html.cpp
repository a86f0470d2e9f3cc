#include "aotf/connectors/html.hpp"

#include <gumbo.h>

#include <cctype>
#include <cstring>

namespace aotf::html {

namespace {

const GumboNode* as_gumbo(const void* node) { return static_cast<const GumboNode*>(node); }

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':';
}

[[noreturn]] void bad_selector(std::string_view text, std::size_t pos, std::string_view what) {
  throw Error("bad selector \"" + std::string(text) + "\" at character " + std::to_string(pos + 1) + ": " +
              std::string(what));
}

std::string_view element_tag(const GumboElement& element) {
  if (element.tag != GUMBO_TAG_UNKNOWN) return gumbo_normalized_tagname(element.tag);
  // Unknown tags keep their original spelling; the name is the part after '<'.
  GumboStringPiece piece = element.original_tag;
  gumbo_tag_from_original_text(&piece);
  return {piece.data, piece.length};
}

const char* attribute(const GumboNode* node, const char* name) {
  const GumboAttribute* a = gumbo_get_attribute(&node->v.element.attributes, name);
  return a ? a->value : nullptr;
}

bool has_word(const char* value, std::string_view word) {
  std::string_view rest(value);
  while (!rest.empty()) {
    const auto start = rest.find_first_not_of(" \t\r\n\f");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    const auto end = rest.find_first_of(" \t\r\n\f");
    if (rest.substr(0, end) == word) return true;
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end);
  }
  return false;
}

bool element_matches(const GumboNode* node, const Selector& s) {
  if (node->type != GUMBO_NODE_ELEMENT) return false;
  if (!s.tag.empty() && lower(element_tag(node->v.element)) != s.tag) return false;
  if (!s.id.empty()) {
    const char* id = attribute(node, "id");
    if (!id || s.id != id) return false;
  }
  if (!s.classes.empty()) {
    const char* cls = attribute(node, "class");
    if (!cls) return false;
    for (const auto& c : s.classes)
      if (!has_word(cls, c)) return false;
  }
  for (const auto& [name, value] : s.attributes) {
    const char* v = attribute(node, name.c_str());
    if (!v || (value && *value != v)) return false;
  }
  return true;
}

// Depth-first, document order; stops when `visit` returns false.
template <typename Visit>
bool walk_descendants(const GumboNode* node, Visit&& visit) {
  if (node->type != GUMBO_NODE_ELEMENT && node->type != GUMBO_NODE_TEMPLATE) return true;
  const GumboVector& children = node->v.element.children;
  for (unsigned i = 0; i < children.length; ++i) {
    const auto* child = static_cast<const GumboNode*>(children.data[i]);
    if (child->type == GUMBO_NODE_ELEMENT || child->type == GUMBO_NODE_TEMPLATE) {
      if (!visit(child)) return false;
      if (!walk_descendants(child, visit)) return false;
    }
  }
  return true;
}

void append_text(const GumboNode* node, std::string& out) {
  switch (node->type) {
    case GUMBO_NODE_TEXT:
    case GUMBO_NODE_WHITESPACE:
    case GUMBO_NODE_CDATA:
      out += node->v.text.text;
      break;
    case GUMBO_NODE_ELEMENT:
    case GUMBO_NODE_TEMPLATE: {
      const GumboVector& children = node->v.element.children;
      for (unsigned i = 0; i < children.length; ++i) append_text(static_cast<const GumboNode*>(children.data[i]), out);
      break;
    }
    default:
      break;
  }
}

}  // namespace

Selector Selector::parse(std::string_view text) {
  Selector s;
  std::size_t pos = 0;
  auto read_name = [&](std::string_view what) {
    const std::size_t start = pos;
    while (pos < text.size() && is_name_char(text[pos])) ++pos;
    if (pos == start) bad_selector(text, pos, std::string("expected ") + std::string(what));
    return std::string(text.substr(start, pos - start));
  };
  if (text.empty()) bad_selector(text, 0, "empty selector");
  if (is_name_char(text[0])) s.tag = lower(read_name("a tag name"));
  while (pos < text.size()) {
    const char c = text[pos++];
    if (c == '#') {
      s.id = read_name("an id");
    } else if (c == '.') {
      s.classes.push_back(read_name("a class name"));
    } else if (c == '[') {
      std::string name = lower(read_name("an attribute name"));
      std::optional<std::string> value;
      if (pos < text.size() && text[pos] == '=') {
        ++pos;
        if (pos < text.size() && (text[pos] == '"' || text[pos] == '\'')) {
          const char quote = text[pos++];
          const auto end = text.find(quote, pos);
          if (end == std::string_view::npos) bad_selector(text, pos, "unterminated quoted value");
          value = std::string(text.substr(pos, end - pos));
          pos = end + 1;
        } else {
          const std::size_t start = pos;
          while (pos < text.size() && text[pos] != ']') ++pos;
          value = std::string(text.substr(start, pos - start));
        }
      }
      if (pos >= text.size() || text[pos] != ']') bad_selector(text, pos, "expected ']'");
      ++pos;
      s.attributes.emplace_back(std::move(name), std::move(value));
    } else {
      bad_selector(text, pos - 1, std::string("unexpected '") + c + "' (only tag, #id, .class, [attr=value])");
    }
  }
  return s;
}

std::string Selector::to_string() const {
  std::string out = tag;
  if (!id.empty()) out += "#" + id;
  for (const auto& c : classes) out += "." + c;
  for (const auto& [name, value] : attributes) out += "[" + name + (value ? "=" + *value : "") + "]";
  return out;
}

std::string Node::tag() const { return node_ ? lower(element_tag(as_gumbo(node_)->v.element)) : std::string(); }

std::optional<std::string> Node::attr(std::string_view name) const {
  if (!node_) return std::nullopt;
  const char* v = attribute(as_gumbo(node_), lower(name).c_str());
  if (!v) return std::nullopt;
  return std::string(v);
}

bool Node::matches(const Selector& selector) const { return node_ && element_matches(as_gumbo(node_), selector); }

Node Node::parent() const {
  if (!node_) return {};
  const GumboNode* p = as_gumbo(node_)->parent;
  if (!p || p->type != GUMBO_NODE_ELEMENT) return {};
  return Node(p);
}

std::string Node::text() const {
  std::string out;
  if (node_) append_text(as_gumbo(node_), out);
  return out;
}

Node Node::find(const Selector& selector) const {
  Node found;
  if (!node_) return found;
  walk_descendants(as_gumbo(node_), [&](const GumboNode* n) {
    if (!element_matches(n, selector)) return true;
    found = Node(n);
    return false;
  });
  return found;
}

std::vector<Node> Node::find_all(const Selector& selector) const {
  std::vector<Node> found;
  if (!node_) return found;
  walk_descendants(as_gumbo(node_), [&](const GumboNode* n) {
    if (element_matches(n, selector)) found.push_back(Node(n));
    return true;
  });
  return found;
}

std::vector<std::string> Node::links() const {
  static const Selector anchor = Selector::parse("a[href]");
  std::vector<std::string> out;
  for (const Node& a : find_all(anchor)) out.push_back(*a.attr("href"));
  return out;
}

struct Document::Impl {
  GumboOutput* output = nullptr;
  std::string source;  // gumbo keeps pointers into the text it parsed
  ~Impl() {
    if (output) gumbo_destroy_output(&kGumboDefaultOptions, output);
  }
};

Document::Document(std::string_view html) : impl_(std::make_unique<Impl>()) {
  impl_->source.assign(html);
  impl_->output = gumbo_parse_with_options(&kGumboDefaultOptions, impl_->source.data(), impl_->source.size());
  if (!impl_->output) throw Error("the HTML parser could not allocate its tree");
}

Document::~Document() = default;
Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;

Node Document::root() const { return Node(impl_->output->root); }

Node Document::body() const {
  static const Selector body_selector = Selector::parse("body");
  return root().find(body_selector);
}

}  // namespace aotf::html
