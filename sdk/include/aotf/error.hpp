#pragma once
// Error types that may cross the plugin boundary. They have default visibility so that a plugin
// built with -fvisibility=hidden throws the same type the host catches (one type_info).

#include <stdexcept>
#include <string>

#include <boost/config.hpp>

namespace aotf {

// Base of every error aotfd raises on purpose. what() is one sentence a user can act on.
class BOOST_SYMBOL_VISIBLE Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// A configuration value is missing, of the wrong type, or out of range.
class BOOST_SYMBOL_VISIBLE ConfigError : public Error {
public:
  using Error::Error;
};

}  // namespace aotf
