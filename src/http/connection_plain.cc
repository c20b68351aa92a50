// Plain HTTP connections: the connection template over beast::tcp_stream.
#include "http/connection.h"

namespace deconflict::http::internal {

void StartPlainConnection(const std::shared_ptr<ServerCore>& core, asio::ip::tcp::socket socket) {
  StartConnection(core, beast::tcp_stream(std::move(socket)));
}

}  // namespace deconflict::http::internal
