package dev.portcullis.proxy.origin;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.AttributeKey;

/** Native epoll where the platform has it (fewer copies and syscalls), NIO elsewhere. */
public final class Transports {
    static final AttributeKey<Boolean> POOLED = AttributeKey.valueOf("portcullis.pooled");

    private Transports() {
    }

    public static boolean epoll() {
        return Epoll.isAvailable() && !Boolean.getBoolean("portcullis.nio");
    }

    public static IoHandlerFactory ioHandlerFactory() {
        return epoll() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    public static Class<? extends ServerChannel> serverChannel() {
        return epoll() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public static Class<? extends Channel> socketChannel() {
        return epoll() ? EpollSocketChannel.class : NioSocketChannel.class;
    }
}
