raise ImportError("recurso opcional indisponível")
