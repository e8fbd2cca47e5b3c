from collections.abc import Callable, Coroutine, Generator
from typing import Any

class Done(Coroutine[Any, Any, None]):
    def send(self, value: Any, /) -> Any: ...
    def throw(self, typ: Any, val: Any = None, tb: Any = None, /) -> Any: ...
    def close(self) -> None: ...
    def __await__(self) -> Generator[Any]: ...

DONE: Done

class FastMethod:
    def __call__(self, *args: Any) -> Any: ...
    def __get__(self, obj: Any, owner: Any = None) -> Any: ...

def bind(
    task_by_loop: Callable[[Any], Any],
    task_for: Callable[[Any], Any],
    state_of: Callable[[Any], Any],
    nested: Callable[[Any, Any, Any], None],
    lock_wait: Callable[..., Any],
    sem_wait: Callable[..., Any],
    sem_taken: Callable[[Any, Any, Any], None],
    drop: Callable[[list[Any], Any], None],
    unwatch_end: Callable[[Any], None],
    done: Any,
    enter_async_context: Any,
    lock: type,
    semaphore: type,
    task: type | None,
    record: type,
    sem_release: Callable[[Any], None],
    lock_release: Callable[[Any], None],
    /,
) -> None: ...
def method(name: str, twin: Callable[..., Any], /) -> FastMethod: ...
